package dev.infrakit.spring.boot.web.slice;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The application the slice tests find: one controller. */
@SpringBootApplication
class SliceApp {

    @RestController
    static class Hello {
        @GetMapping("/hello")
        String hello() {
            return "hello";
        }

        @PostMapping("/items")
        String items(@RequestBody byte[] body) {
            return "received " + body.length;
        }
    }
}
