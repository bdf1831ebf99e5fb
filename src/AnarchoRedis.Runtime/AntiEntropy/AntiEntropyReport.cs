using System;
using System.Collections.Generic;
using System.Globalization;

namespace AnarchoRedis;

/// <summary>
/// What one anti-entropy pass found and did. A pass that repaired nothing and met no problem leaves the nodes as
/// it found them: identical, as far as the compared digests or meta can tell.
/// </summary>
public sealed class AntiEntropyReport
{
    internal AntiEntropyReport()
    {
    }

    /// <summary>How the pass found the differing keys.</summary>
    public AntiEntropyPassMode Mode { get; internal init; }

    /// <summary>When the pass started.</summary>
    public DateTimeOffset StartedAt { get; internal init; }

    /// <summary>How long the pass took.</summary>
    public TimeSpan Duration { get; internal init; }

    /// <summary>The nodes compared (every configured node).</summary>
    public int Nodes { get; internal init; }

    /// <summary>Slots whose digests were compared across the reachable nodes (digest pass; 0 for a SCAN pass).</summary>
    public int SlotsCompared { get; internal init; }

    /// <summary>Slots whose digests differed between nodes.</summary>
    public int SlotsDiffering { get; internal init; }

    /// <summary>Slots visited because some key in them had maintenance due (expired meta, old tombstones), digests agreeing.</summary>
    public int SlotsDue { get; internal init; }

    /// <summary>Keys whose meta was compared across nodes.</summary>
    public long KeysCompared { get; internal init; }

    /// <summary>Value keys written to at least one node by this pass.</summary>
    public long ValuesRepaired { get; internal init; }

    /// <summary>List keys written to at least one node by this pass.</summary>
    public long ListsRepaired { get; internal init; }

    /// <summary>Every key repaired, of both kinds.</summary>
    public long KeysRepaired => ValuesRepaired + ListsRepaired;

    /// <summary>Slot index entries dropped because no node held the key's meta any more (its time to live passed).</summary>
    public long IndexEntriesDropped { get; internal init; }

    /// <summary>Value tombstones purged (counted once per key, deleted from every node).</summary>
    public long ValueTombstonesPurged { get; internal init; }

    /// <summary>List element tombstones purged (counted once per element, dropped from every node).</summary>
    public long ListTombstonesPurged { get; internal init; }

    /// <summary>Empty lists whose meta was dropped, every element and tombstone being past the grace period.</summary>
    public long EmptyListsDropped { get; internal init; }

    /// <summary>Keys whose meta names a type this process does not know: reported, never touched.</summary>
    public long UnknownKeys { get; internal init; }

    /// <summary>Nodes that did not answer during the pass. While any is listed, nothing is purged.</summary>
    public IReadOnlyList<string> UnreachableNodes { get; internal init; } = [];

    /// <summary>Problems met (corrupt meta, kind conflicts, failed commands), all counted in <see cref="ProblemCount"/>; keys of unknown types are in <see cref="UnknownKeys"/> instead.</summary>
    public long ProblemCount { get; internal init; }

    /// <summary>The first problems met (at most <see cref="AntiEntropyOptions.MaxReportedProblems"/>).</summary>
    public IReadOnlyList<AntiEntropyProblem> Problems { get; internal init; } = [];

    /// <summary>Whether the pass met no problem and reached every node.</summary>
    public bool IsClean => ProblemCount == 0 && UnreachableNodes.Count == 0;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Mode} pass in {Duration.TotalMilliseconds:0} ms: {SlotsDiffering}/{SlotsCompared} slots differ, {SlotsDue} due; " +
        $"{KeysCompared} keys compared, {ValuesRepaired} values and {ListsRepaired} lists repaired; " +
        $"purged {ValueTombstonesPurged} value tombstones, {ListTombstonesPurged} list tombstones, {EmptyListsDropped} empty lists; " +
        $"{IndexEntriesDropped} index entries dropped; {UnknownKeys} unknown keys; {ProblemCount} problems; " +
        $"unreachable: {(UnreachableNodes.Count == 0 ? "none" : string.Join(", ", UnreachableNodes))}");
}
