using System;
using System.Collections.Generic;
using System.Globalization;

namespace AnarchoRedis;

/// <summary>
/// Which slots' digests differ between the nodes right now (<see cref="AntiEntropyRunner.CompareSlotsAsync"/>): a
/// read-only look at how far the replicas are apart. Nothing is repaired; a pass repairs.
/// </summary>
public sealed class SlotComparison
{
    internal SlotComparison()
    {
    }

    /// <summary>When the comparison started.</summary>
    public DateTimeOffset StartedAt { get; internal init; }

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; internal init; }

    /// <summary>The nodes configured.</summary>
    public int Nodes { get; internal init; }

    /// <summary>Slots whose digests were read from at least two nodes and compared (16,384 when every node answered).</summary>
    public int SlotsCompared { get; internal init; }

    /// <summary>The slots whose digests differ, in ascending order.</summary>
    public IReadOnlyList<int> DifferingSlots { get; internal init; } = [];

    /// <summary>Slots whose digests agree but which hold maintenance that is due (expired meta, old tombstones).</summary>
    public int SlotsDue { get; internal init; }

    /// <summary>Nodes whose digests could not be read.</summary>
    public IReadOnlyList<string> UnreachableNodes { get; internal init; } = [];

    /// <summary>Problems met (unreadable digest keys), all counted.</summary>
    public long ProblemCount { get; internal init; }

    /// <summary>The first problems met.</summary>
    public IReadOnlyList<AntiEntropyProblem> Problems { get; internal init; } = [];

    /// <summary>Whether every node answered, no digest was unreadable and every slot's digests agree.</summary>
    public bool InSync => DifferingSlots.Count == 0 && UnreachableNodes.Count == 0 && ProblemCount == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var unreachable = UnreachableNodes.Count > 0 ? "; unreachable: " + string.Join(", ", UnreachableNodes) : "";
        var problems = ProblemCount > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {ProblemCount} problems") : "";
        return string.Create(CultureInfo.InvariantCulture, $"{DifferingSlots.Count}/{SlotsCompared} slots differ, {SlotsDue} due, over {Nodes} nodes{unreachable}{problems} ({Duration.TotalMilliseconds:0} ms)");
    }
}
