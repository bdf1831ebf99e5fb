using System;

namespace AnarchoRedis;

/// <summary>
/// When a node's circuit opens and how it is probed back (<see cref="AnarchoRedisOptions.Health"/>; bind it from the
/// <c>AnarchoRedis:Health</c> configuration section).
/// </summary>
public sealed class NodeHealthOptions
{
    /// <summary>
    /// How many consecutive failures (timeouts and connection errors; a script's error reply is not one) open a node's
    /// circuit. While it is open, operations skip the node at once (outcome <see cref="NodeOutcomeKind.Skipped"/>)
    /// instead of waiting for it. A dropped connection opens it at once. Default 3.
    /// </summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>
    /// How often the background prober PINGs nodes whose circuit is open and checks every node's epoch (empty-restart
    /// detection). Default 500 ms.
    /// </summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
