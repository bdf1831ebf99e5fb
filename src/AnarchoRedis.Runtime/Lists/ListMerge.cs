using System;
using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>The result of merging list replicas: the merged state and the ids whose copies disagreed.</summary>
/// <param name="State">The merged state, elements in canonical order.</param>
/// <param name="Conflicts">
/// Ids (ascending, distinct) held by several replicas with different envelope bytes. One write makes one envelope,
/// so this means corruption or a foreign writer; the smallest envelope bytes were kept.
/// </param>
internal readonly record struct ListMergeResult(ListReplicaState State, IReadOnlyList<ReplicatedVersion> Conflicts);

/// <summary>
/// The merge of list replicas, and the index arithmetic shared by reads, trims and the push scripts. The merge is
/// a join (commutative, associative, idempotent): live ids are the union of all elements minus the union of
/// tombstones minus every id at or below the highest watermark.
/// </summary>
internal static class ListMerge
{
    private static readonly ReplicatedVersion[] NoConflicts = [];

    public static ListReplicaState Merge(IReadOnlyList<ListReplicaState> replicas) => MergeWithReport(replicas).State;

    public static ListReplicaState Merge(ListReplicaState first, ListReplicaState second) => MergeWithReport([first, second]).State;

    public static ListMergeResult MergeWithReport(IReadOnlyList<ListReplicaState> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var watermark = ReplicatedVersion.Zero;
        var tombstones = new Dictionary<ReplicatedVersion, long>();
        var capacity = 0;
        foreach (var replica in replicas)
        {
            ArgumentNullException.ThrowIfNull(replica);
            if (replica.DeletedUpTo > watermark)
            {
                watermark = replica.DeletedUpTo;
            }

            foreach (var (id, removedAt) in replica.Tombstones)
            {
                tombstones[id] = tombstones.TryGetValue(id, out var known) ? Math.Max(known, removedAt) : removedAt;
            }

            capacity = Math.Max(capacity, replica.Elements.Count);
        }

        var chosen = new Dictionary<ReplicatedVersion, ListElement>(capacity);
        SortedSet<ReplicatedVersion>? conflicts = null;
        foreach (var replica in replicas)
        {
            foreach (var element in replica.Elements)
            {
                if (!chosen.TryGetValue(element.Id, out var held))
                {
                    chosen.Add(element.Id, element);
                }
                else if (!held.Equals(element))
                {
                    // Smallest bytes win: a choice every node makes alike, whatever order the replicas come in.
                    (conflicts ??= []).Add(element.Id);
                    if (ListElement.CompareEnvelopes(element, held) < 0)
                    {
                        chosen[element.Id] = element;
                    }
                }
            }
        }

        var live = new List<ListElement>(chosen.Count);
        foreach (var element in chosen.Values)
        {
            if (element.Id > watermark && !tombstones.ContainsKey(element.Id))
            {
                live.Add(element);
            }
        }

        // Ids are distinct here, so the canonical order is total and the sort deterministic.
        live.Sort(CanonicalListOrder.Instance);
        return new ListMergeResult(
            new ListReplicaState(live, tombstones, watermark),
            conflicts is null ? NoConflicts : [.. conflicts]);
    }

    /// <summary>
    /// The floor that keeps the <paramref name="count"/> newest (highest-id) of <paramref name="elements"/>: the id of the
    /// newest element that does not make it (every id at or below it is dead once the list's watermark is raised to it),
    /// or <see langword="null"/> when there are at most <paramref name="count"/> elements (nothing to drop).
    /// </summary>
    public static ReplicatedVersion? FloorKeepingNewest(IReadOnlyList<ListElement> elements, long count)
    {
        ArgumentNullException.ThrowIfNull(elements);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (elements.Count <= count)
        {
            return null;
        }

        var ids = new ReplicatedVersion[elements.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = elements[i].Id;
        }

        Array.Sort(ids);
        return ids[ids.Length - 1 - (int)count];
    }

    /// <summary>
    /// Where <paramref name="element"/> goes in a canonical list (the index to insert before; the count to append),
    /// or -1 when its id is already there, on either side. O(log n).
    /// </summary>
    public static int InsertionIndex(IReadOnlyList<ListElement> canonical, ListElement element)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var other = element with { Side = element.Side == ListSide.Left ? ListSide.Right : ListSide.Left };
        if (LowerBound(canonical, other) is var o && o < canonical.Count && canonical[o].Id == element.Id)
        {
            return -1;
        }

        var index = LowerBound(canonical, element);
        return index < canonical.Count && canonical[index].Id == element.Id ? -1 : index;
    }

    /// <summary>
    /// LRANGE/LTRIM index resolution: negative indexes count from the tail, start is clamped to 0 and stop to
    /// count - 1; <see langword="null"/> when the range is empty (for LTRIM: the whole list goes).
    /// </summary>
    public static (long Start, long Stop)? ResolveRange(long count, long start, long stop)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start < 0)
        {
            start = count + start;
        }

        if (stop < 0)
        {
            stop = count + stop;
        }

        if (start < 0)
        {
            start = 0;
        }

        if (start > stop || start >= count)
        {
            return null;
        }

        return (start, Math.Min(stop, count - 1));
    }

    /// <summary>The elements LRANGE start stop returns.</summary>
    public static List<ListElement> Range(IReadOnlyList<ListElement> canonical, long start, long stop)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var result = new List<ListElement>();
        if (ResolveRange(canonical.Count, start, stop) is var (first, last))
        {
            for (var i = first; i <= last; i++)
            {
                result.Add(canonical[(int)i]);
            }
        }

        return result;
    }

    /// <summary>The elements LTRIM start stop removes (to be tombstoned by id), in list order.</summary>
    public static List<ListElement> TrimmedOut(IReadOnlyList<ListElement> canonical, long start, long stop)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var result = new List<ListElement>();
        var kept = ResolveRange(canonical.Count, start, stop);
        for (var i = 0; i < canonical.Count; i++)
        {
            if (kept is not var (first, last) || i < first || i > last)
            {
                result.Add(canonical[i]);
            }
        }

        return result;
    }

    private static int LowerBound(IReadOnlyList<ListElement> canonical, ListElement element)
    {
        int low = 0, high = canonical.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (CanonicalListOrder.Instance.Compare(canonical[mid], element) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
