package dev.infrakit.test.readme;

// README infra-core
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.test.RecordingNotifier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DiskWatcherTest {
    /** The code under test: tells the on-call channel when the disk is nearly full. */
    record DiskWatcher(Notifier notifier) {
        void check(int percentUsed) {
            if (percentUsed >= 90) {
                notifier.send(new Notification("disk", Notification.Severity.WARNING,
                        "Disk " + percentUsed + "% full", "clean up /var", Instant.now(), Map.of()));
            }
        }
    }

    @Test
    void warnsOnlyFromNinetyPercent() {
        RecordingNotifier notifier = new RecordingNotifier();
        DiskWatcher watcher = new DiskWatcher(notifier);
        watcher.check(80);
        watcher.check(95);
        assertEquals(List.of("Disk 95% full"), notifier.titles());
    }
}
// END README
