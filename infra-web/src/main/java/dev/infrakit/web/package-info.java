/**
 * The framework-neutral core: what a response must carry ({@link dev.infrakit.web.SecurityHeaders})
 * and what a request body may be ({@link dev.infrakit.web.BodyLimit}), who sent a request
 * ({@link dev.infrakit.web.Authenticator}, over infra-auth), as values and rules an
 * adapter for a particular server applies. Nothing here depends on a server API.
 */
package dev.infrakit.web;
