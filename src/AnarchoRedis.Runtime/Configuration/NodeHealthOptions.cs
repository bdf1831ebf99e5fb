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

    /// <summary>
    /// Whether this client writes epochs: creates them (ready on a new cluster, filling on a node that lost its data) and
    /// sets a refilled node ready after a clean anti-entropy pass. Default <see langword="true"/>. Off for observers that
    /// may not see every node or the application's options, such as the <c>anarcho</c> tool: a node without an epoch then
    /// stays unverified for this client (its reads never count), and only the application's clients decide.
    /// </summary>
    public bool WriteEpochs { get; set; } = true;
}
