/**
 * Tokenizers: text to token ids and back, exactly as the model was trained.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package trit.api.tokenizer;
