package io.pxereimage.runtime.dhcp;

import java.io.ByteArrayOutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The sub-options of an encapsulated option (43 vendor-specific, 175 iPXE): the same code/length/value layout as
 * top-level options, with 0 as pad and 255 as end. Immutable; {@link Builder} keeps insertion order.
 */
public final class SubOptions {
    public static final SubOptions EMPTY = new SubOptions(new LinkedHashMap<>());

    private final Map<Integer, byte[]> values;

    private SubOptions(LinkedHashMap<Integer, byte[]> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** Decodes {@code data}; a sub-option overrunning its parent raises an exception naming {@code parent}. */
    public static SubOptions decode(byte[] data, String parent) throws DhcpCodecException {
        LinkedHashMap<Integer, byte[]> map = new LinkedHashMap<>();
        int i = 0;
        while (i < data.length) {
            int code = data[i++] & 0xff;
            if (code == 0) {
                continue;
            }
            if (code == 255) {
                break;
            }
            if (i >= data.length) {
                throw new DhcpCodecException(parent + "." + code, "length missing");
            }
            int len = data[i++] & 0xff;
            if (i + len > data.length) {
                throw new DhcpCodecException(parent + "." + code, "overruns its option (" + len + " bytes)");
            }
            byte[] v = new byte[len];
            System.arraycopy(data, i, v, 0, len);
            map.merge(code, v, SubOptions::concat);
            i += len;
        }
        return new SubOptions(map);
    }

    /**
     * Decodes what it can and stops at the first malformed sub-option. Clients get these wrong (a udhcpc
     * {@code -x 0xaf:...} pose with a short bus id, for one); the parent option stays usable as a marker.
     */
    public static SubOptions decodeLenient(byte[] data) {
        LinkedHashMap<Integer, byte[]> map = new LinkedHashMap<>();
        int i = 0;
        while (i < data.length) {
            int code = data[i++] & 0xff;
            if (code == 0) {
                continue;
            }
            if (code == 255 || i >= data.length || i + 1 + (data[i] & 0xff) > data.length) {
                break;
            }
            int len = data[i++] & 0xff;
            byte[] v = new byte[len];
            System.arraycopy(data, i, v, 0, len);
            map.merge(code, v, SubOptions::concat);
            i += len;
        }
        return new SubOptions(map);
    }

    public Optional<byte[]> get(int code) {
        byte[] v = values.get(code);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    public boolean has(int code) {
        return values.containsKey(code);
    }

    public Map<Integer, byte[]> asMap() {
        return values;
    }

    /** Encoded sub-options, ending with 255 when {@code terminate}. */
    public byte[] encode(boolean terminate) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        values.forEach((code, v) -> {
            out.write(code);
            out.write(v.length);
            out.write(v, 0, v.length);
        });
        if (terminate) {
            out.write(255);
        }
        return out.toByteArray();
    }

    public static Builder builder() {
        return new Builder();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        values.forEach((k, v) -> s.append(s.length() > 1 ? ", " : "").append(k).append('=')
                .append(java.util.HexFormat.of().formatHex(v)));
        return s.append('}').toString();
    }

    public static final class Builder {
        private final LinkedHashMap<Integer, byte[]> values = new LinkedHashMap<>();

        /** Sets a sub-option; PXE limits each to 253 bytes so the whole fits one option 43 chunk with its header. */
        public Builder put(int code, byte[] value) {
            if (code <= 0 || code >= 255) {
                throw new IllegalArgumentException("sub-option code out of range: " + code);
            }
            if (value.length > 253) {
                throw new IllegalArgumentException("sub-option " + code + " longer than 253 bytes");
            }
            values.put(code, value.clone());
            return this;
        }

        public SubOptions build() {
            return new SubOptions(new LinkedHashMap<>(values));
        }
    }
}
