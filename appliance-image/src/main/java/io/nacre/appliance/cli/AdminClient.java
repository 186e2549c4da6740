package io.nacre.appliance.cli;

import com.fasterxml.jackson.databind.JavaType;
import io.nacre.appliance.admin.AdminJson;
import io.nacre.appliance.admin.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** The CLI's side of the admin API: one HTTP call per verb, errors turned into one-line {@link CliException}s. */
final class AdminClient {

    private final URI base;
    private final HttpClient http;

    AdminClient(String admin) {
        String b = admin.endsWith("/") ? admin.substring(0, admin.length() - 1) : admin;
        try {
            this.base = URI.create(b);
        } catch (IllegalArgumentException e) {
            throw new CliException("not a URL: " + admin);
        }
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    URI uri(String route, String path, String... flags) {
        StringBuilder sb = new StringBuilder(base.toString()).append(route);
        char sep = '?';
        if (path != null) {
            sb.append(sep).append("path=").append(URLEncoder.encode(path, StandardCharsets.UTF_8));
            sep = '&';
        }
        for (String f : flags) {
            sb.append(sep).append(f).append("=true");
            sep = '&';
        }
        return URI.create(sb.toString());
    }

    <T> T call(HttpRequest.Builder req, Class<T> type) {
        return call(req, Json.MAPPER.getTypeFactory().constructType(type));
    }

    <T> T call(HttpRequest.Builder req, JavaType type) {
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) {
            throw failure(resp.statusCode(), resp.body());
        }
        try {
            return Json.MAPPER.readValue(resp.body(), type);
        } catch (IOException e) {
            throw new CliException("unexpected answer from " + base + ": " + e.getMessage());
        }
    }

    /** The raw JSON text of a successful answer (what --json prints). */
    String callRaw(HttpRequest.Builder req) {
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) {
            throw failure(resp.statusCode(), resp.body());
        }
        return resp.body();
    }

    /** Downloads into a file; the file is only replaced when the whole body arrived. */
    long download(String path, Path target) {
        HttpResponse<InputStream> resp = send(HttpRequest.newBuilder(uri("/api/v1/file", path)).GET(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() / 100 != 2) {
                throw failure(resp.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            Path dir = target.toAbsolutePath().getParent();
            Path tmp = java.nio.file.Files.createTempFile(dir, ".nacre-get", ".part");
            try {
                long n = java.nio.file.Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return n;
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new CliException("cannot write " + target + ": " + e.getMessage());
        }
    }

    private <B> HttpResponse<B> send(HttpRequest.Builder req, HttpResponse.BodyHandler<B> handler) {
        try {
            return http.send(req.build(), handler);
        } catch (ConnectException e) {
            throw new CliException("no Nacre admin endpoint at " + base + " (is `nacre up` running? --admin URL points elsewhere)");
        } catch (IOException e) {
            throw new CliException("talking to " + base + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private CliException failure(int status, String body) {
        try {
            AdminJson.Error err = Json.MAPPER.readValue(body, AdminJson.Error.class);
            if (err.message() != null) {
                return new CliException(err.message());
            }
        } catch (IOException ignored) {
            // not our JSON: fall through to the status line
        }
        return new CliException("admin endpoint answered HTTP " + status);
    }
}
