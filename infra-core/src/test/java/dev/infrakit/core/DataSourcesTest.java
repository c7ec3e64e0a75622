package dev.infrakit.core;

import com.zaxxer.hikari.HikariConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {

    private static Config config(String... pairs) {
        Map<String, String> map = new java.util.HashMap<>();
        map.put("db.url", "jdbc:postgresql://127.0.0.1:5432/app");
        for (int i = 0; i < pairs.length; i += 2) {
            map.put("db." + pairs[i], pairs[i + 1]);
        }
        return Config.of(map).section("db");
    }

    @Test
    void readsEverySetting() {
        HikariConfig h = DataSources.toHikariConfig(config("username", "app", "password", "pw", "pool-size", "4",
                "min-idle", "1", "connection-timeout", "2s", "validation-timeout", "500ms", "idle-timeout", "1m",
                "max-lifetime", "5m", "pool-name", "billing"));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/app", h.getJdbcUrl());
        assertEquals("app", h.getUsername());
        assertEquals("pw", h.getPassword());
        assertEquals(4, h.getMaximumPoolSize());
        assertEquals(1, h.getMinimumIdle());
        assertEquals(2000, h.getConnectionTimeout());
        assertEquals(500, h.getValidationTimeout());
        assertEquals(60_000, h.getIdleTimeout());
        assertEquals(300_000, h.getMaxLifetime());
        assertEquals("billing", h.getPoolName());
    }

    @Test
    void defaults() {
        HikariConfig h = DataSources.toHikariConfig(config());
        assertEquals(10, h.getMaximumPoolSize());
        assertEquals(10, h.getMinimumIdle());
        assertEquals(30_000, h.getConnectionTimeout());
        assertEquals(5_000, h.getValidationTimeout());
        assertEquals("infrakit", h.getPoolName());
    }

    @Test
    void urlIsRequired() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(Config.empty().section("infrakit.datasource")));
        assertEquals("infrakit.datasource.url", e.key());
    }

    @Test
    void badSettingsNameTheKey() {
        assertEquals("db.pool-size", assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(config("pool-size", "0"))).key());
        assertEquals("db.min-idle", assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(config("pool-size", "2", "min-idle", "3"))).key());
        assertEquals("db.connection-timeout", assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(config("connection-timeout", "100ms"))).key());
        ConfigException e = assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(config("connection-timeout", "1s", "validation-timeout", "2s")));
        assertTrue(e.getMessage().endsWith("expected less than connection-timeout (PT1S)"), e.getMessage());
        assertEquals("db.max-lifetime", assertThrows(ConfigException.class,
                () -> DataSources.toHikariConfig(config("max-lifetime", "10s"))).key());
    }

    @Test
    void urlPasswordsAreMasked() {
        assertEquals("jdbc:postgresql://h/db?user=a&password=******&ssl=true",
                DataSources.maskUrl("jdbc:postgresql://h/db?user=a&password=s3cret&ssl=true"));
        assertEquals("jdbc:postgresql://h/db?sslpassword=******", DataSources.maskUrl("jdbc:postgresql://h/db?sslpassword=x"));
    }
}
