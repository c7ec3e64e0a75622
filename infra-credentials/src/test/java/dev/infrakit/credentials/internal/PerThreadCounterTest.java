package dev.infrakit.credentials.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PerThreadCounterTest {

    @Test
    void countsExactlyAcrossManyThreadsIncludingOnesThatEnded() throws Exception {
        PerThreadCounter counter = new PerThreadCounter();
        List<Thread> threads = new ArrayList<>();
        // More threads than slots, so some share a slot and count in the shared adder.
        for (int t = 0; t < 300; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    counter.increment();
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int i = 0; i < 5; i++) {
            counter.increment();
        }
        assertEquals(300 * 1000 + 5, counter.sum());
    }
}
