namespace AnarchoRedis.Testing;

/// <summary>Whether a <see cref="LocalNode"/> runs.</summary>
public enum LocalNodeState
{
    /// <summary>The node runs and answers.</summary>
    Running,

    /// <summary>The process is stopped with SIGSTOP: connections stay open, nothing is answered.</summary>
    Paused,

    /// <summary>The node is not running (killed, or not started again yet).</summary>
    Killed,
}
