package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.htmlunit.html.HtmlForm;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import hudson.util.Secret;

/**
 * Real Jenkins (profile jenkins only): the cloud's configuration page shows and saves every field (config.jelly
 * and the data binding agree), and nothing is provisioned just by configuring.
 */
@WithJenkins
class PxeCloudJenkinsTest {
    @Test
    void configurationPageRoundTrip(JenkinsRule j) throws Exception {
        PxeTemplate linux = new PxeTemplate("linux", "ubuntu-24.04");
        linux.setLabelString("metal linux");
        linux.setMachineLabels("x86 && !gpu");
        linux.setInstanceCap(6);
        PxeTemplate gpu = new PxeTemplate("gpu", "ubuntu-24.04-cuda");
        gpu.setLabelString("metal gpu");
        gpu.setIdleMinutes(30);
        gpu.setNumExecutors(2);
        gpu.setRemoteFS("/srv/jenkins");
        gpu.setJvmOptions("-Xmx2g");
        PxeCloud cloud = new PxeCloud("metal");
        cloud.setMode(PxeCloud.MODE_REMOTE);
        cloud.setRuntimeUrl("http://127.0.0.1:9");
        cloud.setApiToken(Secret.fromString("not-a-real-token"));
        cloud.setInstanceCap(8);
        cloud.setLaunchTimeoutMinutes(15);
        cloud.setWebSocket(true);
        cloud.setTemplates(List.of(linux, gpu));
        j.jenkins.clouds.add(cloud);
        j.jenkins.save();

        HtmlForm form = j.createWebClient().goTo("manage/cloud/metal/configure").getFormByName("config");
        j.submit(form);

        PxeCloud after = (PxeCloud) j.jenkins.getCloud("metal");
        assertThat(after).isNotSameAs(cloud);
        j.assertEqualDataBoundBeans(cloud, after);
        assertThat(j.jenkins.getNodes()).isEmpty();
    }

    @Test
    void descriptorsAreRegistered(JenkinsRule j) {
        assertThat(j.jenkins.getDescriptor(PxeCloud.class)).isInstanceOf(PxeCloud.DescriptorImpl.class);
        assertThat(j.jenkins.getDescriptor(PxeTemplate.class)).isInstanceOf(PxeTemplate.DescriptorImpl.class);
        assertThat(PxeGlobalConfiguration.get()).isNotNull();
        assertThat(j.jenkins.getExtensionList(hudson.slaves.NodeProvisioner.Strategy.class))
                .hasAtLeastOneElementOfType(NoDelayProvisionerStrategy.class);
        assertThat(j.jenkins.getExtensionList(hudson.model.PeriodicWork.class))
                .hasAtLeastOneElementOfType(PxeReconcileWork.class);
    }
}
