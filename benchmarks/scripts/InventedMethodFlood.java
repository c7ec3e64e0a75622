import java.net.URI;
import java.net.http.*;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends COUNT requests with invented methods (3 to 12 random letters) to random
 * /api/v1/credentials/<name> paths from 8 threads and prints the statuses. Run as a single-file
 * program: {@code java benchmarks/scripts/InventedMethodFlood.java http://127.0.0.1:8080 50000}.
 */
public class InventedMethodFlood {
    public static void main(String[] a) throws Exception {
        String base = a[0];
        int n = Integer.parseInt(a[1]);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        String abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            long seed = t;
            fs.add(pool.submit(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                while (sent.getAndIncrement() < n) {
                    StringBuilder m = new StringBuilder();
                    for (int i = 0, l = 3 + r.nextInt(10); i < l; i++) m.append(abc.charAt(r.nextInt(abc.length())));
                    StringBuilder p = new StringBuilder("/api/v1/credentials/");
                    for (int i = 0, l = 1 + r.nextInt(20); i < l; i++) p.append(abc.charAt(r.nextInt(abc.length())));
                    HttpRequest req = HttpRequest.newBuilder(URI.create(base + p)).method(m.toString(),
                            HttpRequest.BodyPublishers.noBody()).build();
                    try {
                        int s = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.merge(s, 1, Integer::sum);
                    } catch (Exception e) {
                        statuses.merge(-1, 1, Integer::sum);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        System.out.println("statuses " + statuses);
    }
}
