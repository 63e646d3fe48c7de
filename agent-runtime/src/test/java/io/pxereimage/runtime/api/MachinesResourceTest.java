package io.pxereimage.runtime.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;

class MachinesResourceTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    final MachineRegistry registry = new MachineRegistry();
    final MachinesResource resource = new MachinesResource(registry);

    private ApiResponse put(String mac, String json) {
        return resource.put(mac, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String error(ApiResponse r) {
        return ((ApiResponse.Error) r.body()).error();
    }

    @Test
    void putCreatesThenReplaces() {
        ApiResponse created = put("52-54-00-12-34-56",
                "{\"name\":\"rack1-07\",\"action\":\"boot\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.img\"],"
                        + "\"cmdline\":\"console=ttyS0\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.headers()).containsEntry("Location", "/api/v1/machines/52:54:00:12:34:56");
        assertThat(created.body()).isEqualTo(new MachineJson("52:54:00:12:34:56", "rack1-07", "boot", "vmlinuz",
                List.of("initrd.img"), "console=ttyS0"));
        assertThat(registry.get(MAC)).contains(MachinePlan.boot(MAC, "rack1-07",
                new BootSpec("vmlinuz", List.of("initrd.img"), "console=ttyS0")));

        ApiResponse replaced = put("525400123456", "{\"action\":\"LOCAL\"}");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(registry.get(MAC).orElseThrow().action()).isEqualTo(MachinePlan.Action.LOCAL);
        assertThat(new String(replaced.json(), StandardCharsets.UTF_8))
                .contains("\"action\":\"local\"", "\"name\":\"52:54:00:12:34:56\"");
    }

    @Test
    void getListAndDelete() {
        assertThat(resource.get("52:54:00:12:34:56").status()).isEqualTo(404);
        put("52:54:00:12:34:56", "{\"kernel\":\"http://x/vmlinuz\"}");
        put("02:00:00:00:00:01", "{\"action\":\"local\"}");
        assertThat(resource.get("52:54:00:12:34:56").status()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        List<MachineJson> all = (List<MachineJson>) resource.list().body();
        assertThat(all).extracting(MachineJson::mac).containsExactly("02:00:00:00:00:01", "52:54:00:12:34:56");
        assertThat(resource.delete("52:54:00:12:34:56").status()).isEqualTo(204);
        assertThat(resource.delete("52:54:00:12:34:56").status()).isEqualTo(404);
        assertThat(registry.get(MAC)).isEmpty();
    }

    @Test
    void validationErrorsNameTheField() {
        String[][] cases = {
            {"", "body:"},
            {"not json", "body:"},
            {"[1]", "body:"},
            {"{\"kernel\":\"k\",\"colour\":\"red\"}", "colour: unknown field"},
            {"{\"action\":\"dance\",\"kernel\":\"k\"}", "action:"},
            {"{\"action\":\"boot\"}", "kernel: required"},
            {"{\"kernel\":\"vm linuz\"}", "kernel: must not contain spaces"},
            {"{\"kernel\":\"k\\nchain http://evil\"}", "kernel:"},
            {"{\"kernel\":42}", "kernel: must be a string"},
            {"{\"kernel\":\"k\",\"initrds\":\"i\"}", "initrds: must be an array"},
            {"{\"kernel\":\"k\",\"initrds\":[\"a\",7]}", "initrds[1]:"},
            {"{\"kernel\":\"k\",\"cmdline\":\"a\\nshell\"}", "cmdline: must not contain control"},
            {"{\"kernel\":\"k\",\"name\":\"x\\necho\"}", "name:"},
            {"{\"kernel\":\"k\",\"mac\":\"02:00:00:00:00:09\"}", "mac:"},
            {"{\"action\":\"local\",\"initrds\":[\"i\"]}", "kernel: required when"},
        };
        for (String[] c : cases) {
            ApiResponse r = put("52:54:00:12:34:56", c[0]);
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(error(r)).as(c[0]).startsWith(c[1]);
        }
        assertThat(registry.list()).isEmpty();
    }

    @Test
    void badMacInThePathIs400() {
        assertThat(resource.get("zz").status()).isEqualTo(400);
        assertThat(error(resource.delete("12:34"))).startsWith("mac:");
        assertThat(put("nope", "{\"kernel\":\"k\"}").status()).isEqualTo(400);
    }
}
