/**
 * The chat-completion model every provider speaks: requests, messages, responses and stream
 * deltas, shaped like the OpenAI chat-completions API so the REST layer maps them field by field.
 *
 * <p>All types are immutable records with defensive copies, safe to share between threads.
 * Optional fields are {@code null} when the caller did not set them; providers then apply their
 * own defaults. Fields the model does not name travel in an {@code extensions} map (JSON-like
 * values: {@code String}, {@code Number}, {@code Boolean}, {@code List}, {@code Map}, or
 * {@code null}) so that nothing a client sent is silently lost on the way to a provider that
 * understands it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.api.chat;
