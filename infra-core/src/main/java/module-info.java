/**
 * Infrakit core: layered {@link dev.infrakit.core.Config}, ServiceLoader discovery through
 * {@link dev.infrakit.core.Providers}, the {@link dev.infrakit.core.InfrakitException} hierarchy,
 * the clock/ticker seam and the HikariCP pool helper {@link dev.infrakit.core.DataSources}.
 *
 * <p>{@code Providers} declares the service use of each SPI it is asked to load at run time
 * ({@link java.lang.Module#addUses}), so SPI modules need no {@code uses} clause here.
 */
module dev.infrakit.core {
    requires transitive java.sql;
    requires transitive org.slf4j;
    requires transitive com.zaxxer.hikari;
    requires transitive micrometer.core;

    exports dev.infrakit.core;
}
