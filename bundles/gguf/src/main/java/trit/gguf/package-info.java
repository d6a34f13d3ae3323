/**
 * GGUF files: {@link trit.gguf.GgufFile} reads one (metadata on the heap, tensor data mapped
 * read-only), {@link trit.gguf.GgufWriter} writes one. Malformed input always ends in a
 * {@link trit.gguf.GgufFormatException} that says what is wrong and where, never in an
 * OutOfMemoryError, a hang or a read outside the file.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.gguf;
