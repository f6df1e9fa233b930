package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How the soak reads jcmd's class histogram and the server's Prometheus page (texts as a Java 25 server prints). */
class HeapProbeTest {

    @Test
    void liveBytesWhenHistogramThenItsTotalBytes() {
        String histogram = """
                27720:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:        125840       12115536  [B (java.base@25.0.3)
                5846:             1             16  tools.jackson.databind.util.ViewMatcher
                Total        706626       33140112
                """;

        assertThat(HeapProbe.liveBytes(histogram)).isEqualTo(33_140_112L);
    }

    @Test
    void argon2BytesWhenHashInProgressThenItsBlocksAndTheirArrays() {
        String histogram = """
                   1:         17210       19513872  [J (java.base@25.0.3)
                  14:         16384         262144  org.bouncycastle.crypto.generators.Argon2BytesGenerator$Block
                Total        706626       53140112
                """;

        long argon2 = HeapProbe.argon2Bytes(histogram);
        assertThat(argon2).isEqualTo(262_144L + 16_384L * 1040);
        HeapProbe.Reading reading = new HeapProbe.Reading(HeapProbe.liveBytes(histogram), argon2, -1, -1, 0);
        assertThat(reading.heapWithoutHashes()).isEqualTo(53_140_112L - 17_301_504L);
        assertThat(reading.hashesInProgress()).isEqualTo(1);
        assertThat(HeapProbe.argon2Bytes("Total        706626       33140112\n")).isZero();
    }

    @Test
    void liveBytesWhenNoTotalLineThenRefused() {
        assertThatThrownBy(() -> HeapProbe.liveBytes("27720:\ncom.sun.tools.attach.AttachNotSupportedException\n"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no Total line");
    }

    @Test
    void sumCommittedHeapWhenPrometheusPageThenHeapPoolsOnly() {
        String page = """
                # HELP jvm_memory_committed_bytes The amount of memory in bytes that is committed for the JVM to use
                # TYPE jvm_memory_committed_bytes gauge
                jvm_memory_committed_bytes{area="heap",id="G1 Eden Space"} 7.1303168E7
                jvm_memory_committed_bytes{area="heap",id="G1 Old Gen"} 5.8720256E7
                jvm_memory_committed_bytes{area="heap",id="G1 Survivor Space"} 8388608.0
                jvm_memory_committed_bytes{area="nonheap",id="Metaspace"} 6.9140480E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3.11684E7
                """;

        assertThat(HeapProbe.sumCommittedHeap(page)).isEqualTo(71_303_168L + 58_720_256L + 8_388_608L);
        assertThat(HeapProbe.sumCommittedHeap("# nothing\n")).isEqualTo(-1);
    }
}
