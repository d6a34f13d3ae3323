/**
 * Tokenizers: text to token ids and back, exactly as the model was trained, and the factory
 * service that loads them (1.1.0); chat templates (1.2.0).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package trit.api.tokenizer;
