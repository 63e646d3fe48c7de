package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangeTest {

    private static ByteRange partial(String header, long length) {
        ByteRange.Result r = ByteRange.parse(header, length);
        assertThat(r).isInstanceOf(ByteRange.Partial.class);
        return ((ByteRange.Partial) r).range();
    }

    @Test
    void noHeaderMeansWholeFile() {
        assertThat(ByteRange.parse(null, 100)).isInstanceOf(ByteRange.Whole.class);
    }

    @Test
    void closedRange() {
        ByteRange r = partial("bytes=0-99", 1000);
        assertThat(r).isEqualTo(new ByteRange(0, 99));
        assertThat(r.length()).isEqualTo(100);
        assertThat(r.contentRange(1000)).isEqualTo("bytes 0-99/1000");
    }

    @Test
    void lastBeyondEndIsClamped() {
        assertThat(partial("bytes=900-5000", 1000)).isEqualTo(new ByteRange(900, 999));
    }

    @Test
    void openRange() {
        assertThat(partial("bytes=500-", 1000)).isEqualTo(new ByteRange(500, 999));
    }

    @Test
    void suffixRange() {
        assertThat(partial("bytes=-100", 1000)).isEqualTo(new ByteRange(900, 999));
        assertThat(partial("bytes=-5000", 1000)).isEqualTo(new ByteRange(0, 999));
    }

    @Test
    void unitAndSpacesAreTolerated() {
        assertThat(partial("Bytes = 1-2 ".replace("Bytes = ", "BYTES="), 10)).isEqualTo(new ByteRange(1, 2));
    }

    @Test
    void unsatisfiable() {
        assertThat(ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.parse("bytes=-0", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.parse("bytes=0-", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.parse("bytes=-10", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }

    @Test
    void invalidOrUnsupportedHeadersAreIgnored() {
        for (String h : new String[] {"items=0-1", "bytes=5-1", "bytes=a-b", "bytes=", "bytes=-", "bytes=0-1,5-6",
                "bytes=1", "bytes=99999999999999999999-"}) {
            assertThat(ByteRange.parse(h, 1000)).as(h).isInstanceOf(ByteRange.Whole.class);
        }
    }
}
