package dev.infrakit.benchmarks.spring;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The endpoint under every filter chain: takes a JSON body, answers its length. */
@RestController
public class ItemsController {
    /** Created by Spring. */
    public ItemsController() {
    }

    /**
     * Answers how many bytes the body had.
     *
     * @param body the request body
     * @return {@code {"received":N}}
     */
    @PostMapping(path = "/api/v1/items", produces = MediaType.APPLICATION_JSON_VALUE)
    public String create(@RequestBody byte[] body) {
        return "{\"received\":" + body.length + "}";
    }
}
