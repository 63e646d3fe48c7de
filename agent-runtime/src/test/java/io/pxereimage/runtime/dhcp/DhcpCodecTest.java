package io.pxereimage.runtime.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

class DhcpCodecTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    static DhcpMessage.Builder discover() {
        return DhcpMessage.builder().xid(0x1234).mac(MAC).messageType(MessageType.DISCOVER);
    }

    @Test
    void truncatedHeaderNamesTheHeader() {
        assertThatThrownBy(() -> DhcpCodec.decode(new byte[100])).isInstanceOf(DhcpCodecException.class)
                .extracting(e -> ((DhcpCodecException) e).field()).isEqualTo("header");
    }

    @Test
    void badCookieIsRejected() throws Exception {
        byte[] p = DhcpCodec.encode(discover().build());
        p[236] = 1;
        assertThatThrownBy(() -> DhcpCodec.decode(p)).isInstanceOf(DhcpCodecException.class)
                .extracting(e -> ((DhcpCodecException) e).field()).isEqualTo("magic cookie");
        assertThatThrownBy(() -> DhcpCodec.decode(Arrays.copyOf(p, 238)))
                .extracting(e -> ((DhcpCodecException) e).field()).isEqualTo("magic cookie");
    }

    @Test
    void optionOverrunningThePacketNamesTheOption() throws Exception {
        byte[] p = Arrays.copyOf(DhcpCodec.encode(discover().build()), 240 + 3 + 3);
        p[243] = 60;
        p[244] = 50; // 50 bytes announced, 1 present
        assertThatThrownBy(() -> DhcpCodec.decode(p)).isInstanceOf(DhcpCodecException.class)
                .extracting(e -> ((DhcpCodecException) e).field()).isEqualTo("option 60");
    }

    @Test
    void missingMessageTypeIsRejected() throws Exception {
        byte[] p = DhcpCodec.encode(discover().remove(DhcpOption.MESSAGE_TYPE).hostname("x").build());
        assertThatThrownBy(() -> DhcpCodec.decode(p)).extracting(e -> ((DhcpCodecException) e).field())
                .isEqualTo("option 53");
    }

    @Test
    void badOpAndHlenAreRejected() throws Exception {
        byte[] p = DhcpCodec.encode(discover().build());
        p[0] = 7;
        assertThatThrownBy(() -> DhcpCodec.decode(p)).extracting(e -> ((DhcpCodecException) e).field())
                .isEqualTo("op");
        p[0] = 1;
        p[2] = 17;
        assertThatThrownBy(() -> DhcpCodec.decode(p)).extracting(e -> ((DhcpCodecException) e).field())
                .isEqualTo("hlen");
    }

    @Test
    void unknownOptionsSurviveARoundTrip() throws Exception {
        DhcpMessage m = discover().option(DhcpOption.valueOf(224), new byte[] {1, 2, 3}).build();
        DhcpMessage back = DhcpCodec.decode(DhcpCodec.encode(m));
        assertThat(back.option(DhcpOption.valueOf(224))).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));
        assertThat(DhcpOption.valueOf(224).isKnown()).isFalse();
        assertThat(DhcpOption.valueOf(224).name()).isEqualTo("option-224");
        assertThat(DhcpOption.valueOf(93)).isEqualTo(DhcpOption.CLIENT_ARCH);
        assertThat(MessageType.valueOf(42).toString()).isEqualTo("TYPE-42");
    }

    @Test
    void encodedPacketsAreAtLeast300Bytes() throws Exception {
        assertThat(DhcpCodec.encode(discover().build())).hasSize(300);
    }

    @Test
    void longOptionsAreSplitPerRfc3396AndJoinedOnDecode() throws Exception {
        byte[] big = new byte[600];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        DhcpMessage m = discover().option(DhcpOption.valueOf(250), big).build();
        byte[] p = DhcpCodec.encode(m);
        // three consecutive 250 options: 255 + 255 + 90 bytes
        int i = 240 + 3;
        assertThat(p[i] & 0xff).isEqualTo(250);
        assertThat(p[i + 1] & 0xff).isEqualTo(255);
        assertThat(p[i + 257] & 0xff).isEqualTo(250);
        assertThat(DhcpCodec.decode(p).option(DhcpOption.valueOf(250))).hasValueSatisfying(v -> assertThat(v)
                .isEqualTo(big));
    }

    @Test
    void overloadedFileAndSnameFieldsAreDecodedAsOptions() throws Exception {
        byte[] p = DhcpCodec.encode(discover().option(DhcpOption.OVERLOAD, new byte[] {3}).build());
        // file (offset 108): hostname "abc"; sname (offset 44): vendor class "PXEClient"
        byte[] file = {12, 3, 'a', 'b', 'c', (byte) 255};
        System.arraycopy(file, 0, p, 108, file.length);
        byte[] sname = {60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', (byte) 255};
        System.arraycopy(sname, 0, p, 44, sname.length);
        // the encoder never writes option 52, so put it back by hand after 53
        DhcpMessage m = DhcpCodec.decode(withOption52(p));
        assertThat(m.hostname()).contains("abc");
        assertThat(m.vendorClass()).contains("PXEClient");
        assertThat(m.file()).isEmpty();
        assertThat(m.sname()).isEmpty();
    }

    private static byte[] withOption52(byte[] p) {
        // options start at 240 with 53 (3 bytes); the end option follows: replace it with 52 and a new end
        assertThat(p[243] & 0xff).isEqualTo(255);
        p[243] = 52;
        p[244] = 1;
        p[245] = 3;
        p[246] = (byte) 255;
        return p;
    }

    @Test
    void replyFollowsTheParameterRequestListOrder() throws Exception {
        DhcpMessage req = discover().parameterRequestList(67, 66, 3, 1).build();
        DhcpMessage reply = DhcpMessage.builder().op(2).mac(MAC).messageType(MessageType.OFFER)
                .subnetMask(Ip4.parse("255.255.255.0")).routers(List.of(Ip4.parse("10.0.0.1")))
                .serverId(Ip4.parse("10.0.0.2")).tftpServer("10.0.0.2").bootfile("undionly.kpxe")
                .leaseTime(60).build();
        assertThat(DhcpCodecOrder.codes(DhcpCodec.encodeReply(reply, req))).containsExactly(53, 54, 67, 66, 3, 1, 51);
    }

    @Test
    void replyRespectsTheClientsMaximumSize() throws Exception {
        DhcpMessage req = discover().maxMessageSize(576).build();
        DhcpMessage reply = DhcpMessage.builder().op(2).mac(MAC).messageType(MessageType.OFFER)
                .serverId(Ip4.parse("10.0.0.2")).option(DhcpOption.valueOf(224), new byte[250])
                .option(DhcpOption.valueOf(225), new byte[100]).build();
        byte[] p = DhcpCodec.encodeReply(reply, req);
        assertThat(p.length).isLessThanOrEqualTo(576 - 28);
        assertThat(DhcpCodecOrder.codes(p)).containsExactly(53, 54, 224); // 225 no longer fits and is left out
        DhcpMessage big = discover().maxMessageSize(1500).build();
        assertThat(DhcpCodecOrder.codes(DhcpCodec.encodeReply(reply, big))).containsExactly(53, 54, 224, 225);
    }

    @Test
    void byteBufferDecodeReadsTheRemainingBytes() throws Exception {
        byte[] p = DhcpCodec.encode(discover().build());
        ByteBuffer b = ByteBuffer.allocate(p.length + 10);
        b.position(10);
        b.put(p).position(10);
        assertThat(DhcpCodec.decode(b).mac()).contains(MAC);
    }

    @Test
    void malformedIpxeSubOptionsDoNotHideIpxe() throws Exception {
        // udhcpc -x 0xaf:b10501808610 announces 5 bytes of bus id and sends 4
        DhcpMessage m = discover().option(DhcpOption.IPXE_ENCAPSULATED, new byte[] {(byte) 0xb1, 5, 1, (byte) 0x80,
                (byte) 0x86, 0x10}).build();
        DhcpMessage back = DhcpCodec.decode(DhcpCodec.encode(m));
        assertThat(back.ipxe()).hasValueSatisfying(s -> assertThat(s.asMap()).isEmpty());
        assertThatThrownBy(() -> SubOptions.decode(back.option(DhcpOption.IPXE_ENCAPSULATED).orElseThrow(), "option 175"))
                .extracting(e -> ((DhcpCodecException) e).field()).isEqualTo("option 175.177");
    }

    @Test
    void pxeVendorOptionsRoundTrip() throws Exception {
        DhcpMessage m = discover().vendorSpecific(PxeVendorOptions.builder().discoveryControl(8).menuPrompt(0, "PXE")
                .bootItem(0x8000, 0).build()).build();
        SubOptions v = DhcpCodec.decode(DhcpCodec.encode(m)).vendorSpecific().orElseThrow();
        assertThat(PxeVendorOptions.discoveryControl(v)).isEqualTo(8);
        assertThat(PxeVendorOptions.bootItemType(v)).isEqualTo(0x8000);
        assertThat(v.get(PxeVendorOptions.MENU_PROMPT)).hasValueSatisfying(b -> assertThat(b).containsExactly(0, 'P', 'X', 'E'));
    }
}
