package io.pxereimage.jenkins;

import java.util.List;

import org.jenkinsci.Symbol;

import hudson.Extension;
import hudson.model.ManagementLink;
import hudson.security.Permission;
import io.pxereimage.jenkins.core.RuntimeApiException;
import io.pxereimage.jenkins.core.RuntimeClient;
import jenkins.model.Jenkins;

/** Manage Jenkins » PXE Reimage machines: the runtime's pool, each machine's state and lease, and the clouds. */
@Extension
@Symbol("pxeReimageMachines")
public class PxeManagementLink extends ManagementLink {
    @Override
    public String getIconFileName() {
        return "symbol-server";
    }

    @Override
    public String getDisplayName() {
        return "PXE Reimage machines";
    }

    @Override
    public String getUrlName() {
        return "pxe-reimage";
    }

    @Override
    public String getDescription() {
        return "Bare-metal machines of the PXE Reimage runtime: states, leases, failures.";
    }

    @Override
    public Category getCategory() {
        return Category.STATUS;
    }

    @Override
    public Permission getRequiredPermission() {
        return Jenkins.ADMINISTER;
    }

    /** What the page shows: read once per page view. */
    public record View(String runtime, List<RuntimeClient.Machine> machines, List<RuntimeClient.Lease> leases,
            String error) {
    }

    public View getView() {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        try {
            RuntimeClient c = PxeGlobalConfiguration.get().client();
            List<RuntimeClient.Lease> live = c.leases(null, null).stream().filter(l -> !l.ended()).toList();
            return new View(c.url().toString(), c.machines(), live, null);
        } catch (RuntimeApiException | RuntimeException e) {
            return new View(null, List.of(), List.of(), e.getMessage());
        }
    }

    public List<PxeCloud> getClouds() {
        return Jenkins.get().clouds.getAll(PxeCloud.class);
    }
}
