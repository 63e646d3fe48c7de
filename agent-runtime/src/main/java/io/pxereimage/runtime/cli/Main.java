package io.pxereimage.runtime.cli;

/** Entry point of {@code pxe-runtime}. Sub-commands are added as the runtime grows. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("pxe-runtime 0.1.0-SNAPSHOT");
    }
}
