package io.pxereimage.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Work for a deploy agent. The JSON field {@code type} selects the kind. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Job.DeployImage.class, name = "deploy-image"),
    @JsonSubTypes.Type(value = Job.Wipe.class, name = "wipe"),
    @JsonSubTypes.Type(value = Job.Run.class, name = "run"),
    @JsonSubTypes.Type(value = Job.Reboot.class, name = "reboot"),
    @JsonSubTypes.Type(value = Job.PowerOff.class, name = "poweroff")
})
public sealed interface Job {
    String id();

    /**
     * Write {@code image} to {@code target}, verify it, then write {@code firstBoot} data.
     *
     * @param multicast the multicast session to receive the image from; {@code null} (or absent in JSON) = unicast
     */
    record DeployImage(String id, ImageRef image, Target target, FirstBoot firstBoot, Multicast multicast)
            implements Job {
        /** A unicast deploy. */
        public DeployImage(String id, ImageRef image, Target target, FirstBoot firstBoot) {
            this(id, image, target, firstBoot, null);
        }
    }

    /**
     * How to receive a deploy's image by multicast ({@code docs/multicast.md}); the image itself (url, sha256, size,
     * block map) is the job's {@link ImageRef}, whose URL also serves the blocks the receiver misses (HTTP Range).
     *
     * @param controlGroup IPv4 multicast group the sender announces sessions on
     * @param controlPort its UDP port
     * @param receiverId this receiver's id in REGISTER
     * @param token hex HMAC key of REGISTER (the sender's token for {@code receiverId}); a secret
     * @param announceWaitSeconds no ANNOUNCE of the image within this time: the agent deploys by unicast itself
     */
    record Multicast(String controlGroup, int controlPort, long receiverId, String token, int announceWaitSeconds) {
        public Multicast {
            if (controlGroup == null || controlGroup.isBlank()) {
                throw new IllegalArgumentException("multicast controlGroup is missing");
            }
            if (controlPort < 1 || controlPort > 0xffff) {
                throw new IllegalArgumentException("multicast controlPort out of range: " + controlPort);
            }
            if (token == null || token.isEmpty() || !token.matches("(?i)([0-9a-f]{2})+")) {
                throw new IllegalArgumentException("multicast token must be non-empty hex");
            }
            if (announceWaitSeconds < 0) {
                throw new IllegalArgumentException("multicast announceWaitSeconds < 0: " + announceWaitSeconds);
            }
        }

        /** The REGISTER HMAC key: the token's bytes. */
        public byte[] tokenBytes() {
            return java.util.HexFormat.of().parseHex(token);
        }

        /** The token is a secret. */
        @Override
        public String toString() {
            return "Multicast[controlGroup=" + controlGroup + ", controlPort=" + controlPort + ", receiverId="
                    + receiverId + ", token=(hidden), announceWaitSeconds=" + announceWaitSeconds + "]";
        }
    }

    /** Make the disk unbootable: discard or zero its partition tables and signatures. */
    record Wipe(String id, Target target) implements Job {
    }

    /** Run a command the runtime's configuration allows; its output is streamed as log events. */
    record Run(String id, List<String> command) implements Job {
        public Run {
            command = List.copyOf(command);
        }
    }

    record Reboot(String id) implements Job {
    }

    record PowerOff(String id) implements Job {
    }

    /**
     * An image to write.
     *
     * @param url where to GET it (supports {@code Range})
     * @param sha256 hex SHA-256 of the raw (decompressed) image
     * @param sizeBytes size of the raw image
     * @param compression {@code none}, {@code gzip} or {@code zstd}: how the bytes at {@code url} are encoded
     * @param blockMap used ranges of the raw image, each with its own SHA-256; empty means "all of it"
     */
    record ImageRef(String name, String url, String sha256, long sizeBytes, String compression,
            List<BlockRange> blockMap) {
        public ImageRef {
            blockMap = blockMap == null ? List.of() : List.copyOf(blockMap);
        }
    }

    record BlockRange(long offset, long length, String sha256) {
    }

    /** Either an explicit {@code device} or a {@code rule} such as {@code smallest-fit}. */
    record Target(String device, String rule) {
        public static Target device(String path) {
            return new Target(path, null);
        }
    }

    /**
     * Per-machine data the image's first-boot service reads; {@code data} may hold secrets (root-only on disk).
     *
     * @param readyUrl where the booted OS posts once it is up (cloud-init {@code phone_home}); it carries a one-time
     *                 token, so it is printed as a secret. {@code null} when nobody waits for the OS.
     */
    record FirstBoot(String hostname, String runtimeUrl, String readyUrl, Map<String, String> data) {
        public FirstBoot {
            data = data == null ? Map.of() : Map.copyOf(data);
        }

        /**
         * What a {@code readyUrl} may be: an absolute http(s) URL with a host, printable ASCII without spaces, quotes
         * or backslashes (scripts in images read it from JSON with sed). The runtime checks it on the API, the agent
         * before it writes the disk.
         */
        public static boolean validReadyUrl(String url) {
            if (url == null || !url.matches("https?://[!#-\\[\\]-~]+")) {
                return false;
            }
            try {
                return java.net.URI.create(url).getHost() != null;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        /** Values may be secrets: print only the keys. */
        @Override
        public String toString() {
            return "FirstBoot[hostname=" + hostname + ", runtimeUrl=" + runtimeUrl + ", readyUrl="
                    + (readyUrl == null ? "none" : "(set)") + ", keys=" + data.keySet() + "]";
        }
    }
}
