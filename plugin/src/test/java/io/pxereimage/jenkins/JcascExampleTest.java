package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import hudson.util.Secret;
import io.pxereimage.jenkins.core.Template;

/**
 * The Configuration as Code example of plugin/README.md, bound to real {@link PxeCloud}s and {@link PxeTemplate}s by
 * {@link DataBinder} (constructor + setters, symbols of our descriptors) and exported back to the same YAML.
 * (The Jenkins supertypes' constructors come from the test-only runnable copies; see hudson.slaves.Cloud here.)
 */
class JcascExampleTest {
    static final YAMLMapper YAML = new YAMLMapper();
    final DataBinder binder = new DataBinder(PxeCloud.class);

    static JsonNode example() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("<!-- jcasc-example -->\\s*```yaml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README.md has the JCasC example after <!-- jcasc-example -->").isTrue();
        return YAML.readTree(m.group(1));
    }

    @Test
    void theReadmeExampleBindsToCloudsAndTemplatesAndExportsToTheSameYaml() throws Exception {
        JsonNode yaml = example();
        List<PxeCloud> clouds = new ArrayList<>();
        yaml.path("jenkins").path("clouds").forEach(n -> clouds.add((PxeCloud) binder.fromSymbol(n)));

        assertThat(clouds).hasSize(1);
        PxeCloud cloud = clouds.get(0);
        assertThat(cloud.name).isEqualTo("metal");
        assertThat(cloud.getMode()).isEqualTo("remote");
        assertThat(cloud.getRuntimeUrl()).isEqualTo("http://10.0.0.1:8080");
        assertThat(Secret.toString(cloud.getApiToken())).isEqualTo("${PXE_REIMAGE_TOKEN}");
        assertThat(cloud.getInstanceCap()).isEqualTo(8);
        assertThat(cloud.isWebSocket()).isTrue();
        assertThat(cloud.getTemplates()).extracting(PxeTemplate::getName).containsExactly("linux", "gpu");
        // what the core will run with: the templates are valid, single use and idle as written
        List<Template> ts = cloud.getTemplates().stream().map(PxeTemplate::toTemplate).toList();
        assertThat(ts.get(0).singleUse()).isTrue();
        assertThat(ts.get(0).satisfies("metal && linux")).isTrue();
        assertThat(ts.get(0).satisfies("gpu")).isFalse();
        assertThat(ts.get(1).idleMinutes()).isEqualTo(30);
        assertThat(ts.get(1).numExecutors()).isEqualTo(2);
        assertThat(ts.get(1).remoteFS()).isEqualTo("/srv/jenkins");
        assertThat(ts.get(1).jvmOptions()).isEqualTo("-Xmx2g");

        ArrayNode exported = JsonNodeFactory.instance.arrayNode();
        clouds.forEach(c -> exported.add(binder.toSymbol(c)));
        assertThat(exported).isEqualTo(yaml.path("jenkins").path("clouds"));
    }

    @Test
    void everyGlobalConfigurationAttributeOfTheExampleHasASetterOfItsType() throws Exception {
        String symbol = PxeGlobalConfiguration.class.getAnnotation(org.jenkinsci.Symbol.class).value()[0];
        JsonNode global = example().path("unclassified").path(symbol);
        assertThat(global.size()).as("unclassified." + symbol).isGreaterThan(3);
        global.fieldNames().forEachRemaining(name -> {
            var setter = DataBinder.setter(PxeGlobalConfiguration.class, name);
            assertThat(setter).as(name).isPresent();
            // converts to the setter's type (the configuration itself loads from JENKINS_HOME: a running Jenkins)
            binder.convert(setter.get().getGenericParameterTypes()[0], global.get(name), name);
        });
    }

    @Test
    void theRealJenkinsTestUsesTheReadmeExample() throws Exception {
        JsonNode copy = YAML.readTree(Path.of("src/test-jenkins/resources/io/pxereimage/jenkins/jcasc.yml").toFile());
        String readme = YAML.writeValueAsString(example()).replace("${PXE_REIMAGE_TOKEN}", "example-token");
        assertThat(copy).isEqualTo(YAML.readTree(readme));
    }

    @Test
    void defaultsAreLeftOutAndUnknownAttributesAreErrors() throws Exception {
        PxeCloud plain = new PxeCloud("plain");
        assertThat(binder.toSymbol(plain)).isEqualTo(YAML.readTree("pxeCloud: {name: plain}"));
        PxeTemplate t = binder.bind(PxeTemplate.class, YAML.readTree("{name: a, image: img}"));
        assertThat(t.getNumExecutors()).isEqualTo(1);
        assertThat(t.getRemoteFS()).isEqualTo("/var/lib/jenkins-agent");
        assertThat(t.toTemplate().singleUse()).isTrue();

        assertThatThrownBy(() -> binder.fromSymbol(YAML.readTree("pxeCloud: {name: x, templtes: []}")))
                .hasMessage("PxeCloud: unknown attribute 'templtes'");
        assertThatThrownBy(() -> binder.fromSymbol(YAML.readTree("pxeCloud: {name: x, instanceCap: many}")))
                .hasMessage("PxeCloud.instanceCap: not a number: \"many\"");
        assertThatThrownBy(() -> binder.fromSymbol(YAML.readTree("pxeCloud: {instanceCap: 2}")))
                .hasStackTraceContaining("Name is required");
        assertThatThrownBy(() -> binder.fromSymbol(YAML.readTree("ec2: {name: x}")))
                .hasMessage("no type with symbol ec2");
    }

    @Test
    void aTemplateTheCoreRejectsSaysWhichField() throws Exception {
        PxeTemplate t = binder.bind(PxeTemplate.class, YAML.readTree("{name: Bad_Name, image: img}"));
        assertThatThrownBy(t::toTemplate).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("name:");
    }
}
