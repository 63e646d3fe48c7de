package io.pxereimage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void multicastDeployRoundTripsAndAbsentMeansUnicast() throws Exception {
        Job.ImageRef image = new Job.ImageRef("demo", "http://r/images/ab", "ab", 10, "none", List.of());
        Job deploy = new Job.DeployImage("j-1", image, Job.Target.device("/dev/vda"), null,
                new Job.Multicast("239.1.2.3", 9000, 42L, "0a0b0c", 10));
        String text = json.writeValueAsString(deploy);
        assertThat(text).contains("\"multicast\":{").contains("\"receiverId\":42");
        assertThat(json.readValue(text, Job.class)).isEqualTo(deploy);
        String unicast = "{\"type\":\"deploy-image\",\"id\":\"j-2\",\"image\":{\"name\":\"demo\",\"url\":\"u\","
                + "\"sha256\":\"ab\",\"sizeBytes\":10,\"compression\":\"none\"},\"target\":{\"device\":\"/dev/vda\"}}";
        Job.DeployImage back = (Job.DeployImage) json.readValue(unicast, Job.class);
        assertThat(back.multicast()).isNull();
        assertThat(back).isEqualTo(new Job.DeployImage("j-2", new Job.ImageRef("demo", "u", "ab", 10, "none", null),
                Job.Target.device("/dev/vda"), null));
        assertThat(json.readValue(json.writeValueAsString(back), Job.class)).isEqualTo(back);
        assertThat(new Job.Multicast("239.1.2.3", 9000, 1, "0A0b", 0).tokenBytes()).containsExactly(0x0a, 0x0b);
        assertThatThrownBy(() -> new Job.Multicast("239.1.2.3", 9000, 1, "xyz", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("xyz");
        assertThatThrownBy(() -> new Job.Multicast("239.1.2.3", 0, 1, "00", 0))
                .hasMessageContaining("controlPort");
    }

    @Test
    void secretsStayOutOfToString() {
        Job.Multicast m = new Job.Multicast("239.1.2.3", 9000, 42L, "deadbeefcafe", 10);
        assertThat(m.toString()).doesNotContain("deadbeefcafe").contains("239.1.2.3").contains("42");
        assertThat(new Job.DeployImage("j", null, null, null, m).toString()).doesNotContain("deadbeefcafe");
        assertThat(new RegisterRequest("m", "s3cret", null).toString()).doesNotContain("s3cret");
        assertThat(new RegisterResponse("a", "s3cret", "m", 25).toString()).doesNotContain("s3cret");
        assertThat(new Job.FirstBoot("h", "u", null, Map.of("jenkinsSecret", "s3cret")).toString()).doesNotContain("s3cret")
                .contains("jenkinsSecret");
    }
}
