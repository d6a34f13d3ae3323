package trit.api.provider;

/** Where a provider runs, which decides whether a private request may go to it. */
public enum Locality {
    /** Computes on this machine: request content never leaves the process. */
    LOCAL,
    /** Sends request content over the network to a remote service. */
    CLOUD
}
