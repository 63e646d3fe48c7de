package io.pxereimage.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

class JobJsonTest {
    final ObjectMapper json = JsonMapper.builder().findAndAddModules().build();

    @Test
    void jobsRoundTripWithTheirTypeName() throws Exception {
        Job deploy = new Job.DeployImage("j-1",
                new Job.ImageRef("demo", "http://r/images/ab", "ab", 10, "none", List.of(new Job.BlockRange(0, 10, "ab"))),
                Job.Target.device("/dev/vda"), new Job.FirstBoot("m1", "http://r", null, Map.of("k", "v")));
        String text = json.writeValueAsString(deploy);
        assertThat(text).contains("\"type\":\"deploy-image\"");
        assertThat(json.readValue(text, Job.class)).isEqualTo(deploy);
        assertThat(json.readValue("{\"type\":\"reboot\",\"id\":\"j-2\"}", Job.class)).isEqualTo(new Job.Reboot("j-2"));
        assertThat(json.readValue("{\"type\":\"run\",\"id\":\"j-3\",\"command\":[\"lsblk\"]}", Job.class))
                .isEqualTo(new Job.Run("j-3", List.of("lsblk")));
    }

    @Test
    void secretsStayOutOfToString() {
        assertThat(new RegisterRequest("m", "s3cret", null).toString()).doesNotContain("s3cret");
        assertThat(new RegisterResponse("a", "s3cret", "m", 25).toString()).doesNotContain("s3cret");
        assertThat(new Job.FirstBoot("h", "u", null, Map.of("jenkinsSecret", "s3cret")).toString()).doesNotContain("s3cret")
                .contains("jenkinsSecret");
    }
}
