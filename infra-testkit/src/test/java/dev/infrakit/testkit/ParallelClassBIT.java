package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.sql.DataSource;

@ExtendWith(EphemeralPostgresExtension.class)
class ParallelClassBIT {
    @Test
    void runsAlongsideTheOtherClassInItsOwnDatabase(DataSource dataSource) throws Exception {
        ParallelClasses.writeAndReadOwnRows(dataSource, "class B");
    }
}
