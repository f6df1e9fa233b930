package io.otpgate.server.system;

import java.io.IOException;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses, with 415 and before anything reads the body, a request whose body is not JSON: a body (a
 * {@code Content-Length} above 0, or a {@code Transfer-Encoding}) whose {@code Content-Type} is not
 * {@code application/json} or {@code application/*+json}, and any {@code multipart/*} request, body or not. So no
 * form or multipart parser ever sees the API's requests, whatever their size.
 */
public class JsonOnlyFilter extends OncePerRequestFilter {

    /** The message of every 415 of the API. */
    public static final String NOT_JSON = "request body must be application/json";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null && !isJson(contentType) && (hasBody(request) || isMultipart(contentType))) {
            Problems.write(response, request, HttpStatus.UNSUPPORTED_MEDIA_TYPE, NOT_JSON, Map.of());
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    private static boolean isMultipart(String contentType) {
        return contentType.strip().regionMatches(true, 0, "multipart/", 0, "multipart/".length());
    }

    private static boolean isJson(String contentType) {
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
        return type.getType().equals("application")
                && (type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"));
    }
}
