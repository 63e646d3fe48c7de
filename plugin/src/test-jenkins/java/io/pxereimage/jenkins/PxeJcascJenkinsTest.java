package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import hudson.util.Secret;
import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;

/**
 * Real Jenkins and Configuration as Code (profile jenkins only): the README's example, with the token given
 * literally, configures the cloud, its templates and the global configuration.
 */
@WithJenkinsConfiguredWithCode
class PxeJcascJenkinsTest {
    @Test
    @ConfiguredWithCode("jcasc.yml")
    void readmeExampleConfiguresJenkins(JenkinsConfiguredWithCodeRule j) {
        PxeCloud cloud = (PxeCloud) j.jenkins.getCloud("metal");
        assertThat(cloud.getMode()).isEqualTo("remote");
        assertThat(Secret.toString(cloud.getApiToken())).isEqualTo("example-token");
        assertThat(cloud.getInstanceCap()).isEqualTo(8);
        assertThat(cloud.getTemplates()).extracting(PxeTemplate::getName).containsExactly("linux", "gpu");
        assertThat(cloud.getTemplates().get(1).getIdleMinutes()).isEqualTo(30);
        PxeGlobalConfiguration g = PxeGlobalConfiguration.get();
        assertThat(g.getHttpPort()).isEqualTo(8081);
        assertThat(g.getTftpPort()).isEqualTo(6969);
        assertThat(g.getDhcpPort()).isEqualTo(2067);
    }
}
