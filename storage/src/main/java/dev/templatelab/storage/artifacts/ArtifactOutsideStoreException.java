package dev.templatelab.storage.artifacts;

import java.nio.file.Path;

/**
 * A URI that is not in this process's artifact store: outside its folder, or reached through a link leading out of
 * it. To the store it is an argument it cannot take; to whoever read the URI from the database it is a server-side
 * condition (a process wrote the file to another store), not bad input, so the REST API answers 5xx, not 400.
 */
public class ArtifactOutsideStoreException extends IllegalArgumentException {

    private final transient Object artifact;
    private final transient Path storeRoot;

    ArtifactOutsideStoreException(Object artifact, Path storeRoot, String problem) {
        super("artifact " + artifact + " " + problem + " " + storeRoot + ": it was written to a different artifact "
                + "store; every process (server, tune, workers) must use the same shared folder (--artifacts / "
                + "TEMPLATELAB_ARTIFACTS_ROOT), at the same path");
        this.artifact = artifact;
        this.storeRoot = storeRoot;
    }

    /** The key or URI asked for. */
    public Object artifact() {
        return artifact;
    }

    /** This process's store folder. */
    public Path storeRoot() {
        return storeRoot;
    }
}
