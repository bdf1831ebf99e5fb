namespace AnarchoRedis.Tool;

/// <summary>The exit codes scripts can rely on, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Every node answered and all agree (ready, no differing slot, identical copies, a clean pass).</summary>
    public const int InSync = 0;

    /// <summary>Every node answered, and something differs: a node not ready, differing slots, a stale copy, a pass with problems.</summary>
    public const int Differences = 1;

    /// <summary>A node did not answer, or the command line or the configuration is wrong.</summary>
    public const int UnreachableOrUsage = 2;

    /// <summary>Stopped by Ctrl+C.</summary>
    public const int Cancelled = 130;
}
