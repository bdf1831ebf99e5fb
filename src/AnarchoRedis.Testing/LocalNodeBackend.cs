namespace AnarchoRedis.Testing;

/// <summary>What a <see cref="LocalNode"/> runs.</summary>
public enum LocalNodeBackend
{
    /// <summary>A <c>redis-server</c> child process (must be installed): supports every fault.</summary>
    RedisServer,

    /// <summary>An in-process Garnet server: nothing to install, but no pause and no restart that keeps data.</summary>
    Garnet,
}
