/**
 * End-to-end tier: real qemu machines (TCG) network-boot from the runtime jar inside network namespaces.
 *
 * <p>Run (root; {@code lab/install-deps.sh} installs qemu, OVMF, iPXE, dnsmasq, tcpdump, tshark):
 * <pre>
 * mvn -o -q -pl agent-runtime verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='*E2EIT'
 * </pre>
 * Failsafe runs {@code *E2EIT} after {@code package}, with {@code PXE_RUNTIME_JAR} pointing at the shaded jar.
 * Outside CI a missing prerequisite skips each test with its reason; with {@code CI=true} it fails.
 *
 * <p>Each test class owns one {@link io.pxereimage.runtime.e2e.LabFixture}: its own namespace prefix and subnet
 * ({@code pxe1-}/10.231.41, {@code pxe2-}/10.231.42, {@code pxe3-}/10.231.43, ..., {@code pxu-}/10.231.111 for
 * the dashboard's browser test), set up before the class and torn
 * down after it (also from a shutdown hook). Everything a run leaves is in {@code target/e2e/<TestClass>/}:
 * {@code runtime.log} (the runtime's stderr), {@code NAME.serial.log} (+ {@code .ts}: seconds since qemu start),
 * {@code NAME.pcap} (server-side capture), {@code NAME.timeline.txt} (serial, wire and runtime events merged; also
 * printed when a test fails), {@code lab/<prefix>/} (dnsmasq logs), {@code setup.log}, {@code teardown.log}.
 */
package io.pxereimage.runtime.e2e;
