using System.Collections.Generic;
using System.Globalization;

namespace AnarchoRedis;

/// <summary>What one hint replay did (<see cref="AnarchoRedisClient.ReplayHintsAsync"/>).</summary>
public sealed class HintReplayReport
{
    internal HintReplayReport()
    {
    }

    /// <summary>
    /// Hints replayed: keys compared across the answering nodes and repaired on the node that missed them (in-memory
    /// hints, and durable entries, counted once per key and stream batch).
    /// </summary>
    public long Replayed { get; internal init; }

    /// <summary>
    /// Hints kept because their replay did not complete (the node did not answer, a repair failed, fewer than a
    /// majority of nodes answered, or an in-memory hint's type is unknown). They are tried again later. Durable entries of
    /// a type this client does not know are left for a client that does and are not counted.
    /// </summary>
    public long Failed { get; internal init; }

    /// <summary>In-memory hints still pending after the replay, over all nodes (durable entries are not counted).</summary>
    public long Remaining { get; internal init; }

    /// <summary>The nodes with hints pending that did not answer; their hints are kept.</summary>
    public IReadOnlyList<string> UnreachableNodes { get; internal init; } = [];

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Replayed} replayed, {Failed} failed, {Remaining} remaining{(UnreachableNodes.Count > 0 ? ", not answering: " + string.Join(", ", UnreachableNodes) : string.Empty)}");
}
