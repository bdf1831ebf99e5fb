using System;
using System.Collections.Generic;
using System.Text;

namespace AnarchoRedis;

/// <summary>
/// What one node holds for a list (or the merge of several nodes): its live elements, its element tombstones (id to
/// removal time in Unix ms) and its deletion watermark (every id at or below it is dead). Equal by content.
/// The <c>Apply*</c> methods are the reference model of what the node scripts do, one operation at a time (O(n)
/// copies: for tests and small repairs, not a hot path).
/// </summary>
/// <remarks>Treat the collections as immutable once given: <see cref="Digest"/> is remembered per Elements list.</remarks>
internal sealed record ListReplicaState(
    IReadOnlyList<ListElement> Elements,
    IReadOnlyDictionary<ReplicatedVersion, long> Tombstones,
    ReplicatedVersion DeletedUpTo)
{
    private static readonly ListElement[] NoElements = [];

    // The digest is O(n) hashing, so it is remembered for the Elements list it was computed from (a `with` copy
    // that swaps Elements gets a different list, hence a recomputation). One reference, so reads are atomic.
    private DigestCache? _digest;

    public static ListReplicaState Empty { get; } = new(NoElements, new Dictionary<ReplicatedVersion, long>(), ReplicatedVersion.Zero);

    public long Count => Elements.Count;

    public ulong Digest
    {
        get
        {
            var cache = _digest;
            if (cache is null || !ReferenceEquals(cache.Elements, Elements))
            {
                var digest = 0UL;
                foreach (var element in Elements)
                {
                    digest ^= ListDigest.ElementHash(element.Id);
                }

                cache = new DigestCache(Elements, digest);
                _digest = cache;
            }

            return cache.Digest;
        }
    }

    /// <summary>Whether an element with this id may be in the list: not tombstoned, above the watermark.</summary>
    public bool IsLive(ReplicatedVersion id) => id > DeletedUpTo && !Tombstones.ContainsKey(id);

    /// <summary>A push arriving at this node: inserted at its canonical place, unless dead or already there.</summary>
    public ListReplicaState ApplyPush(ListElement element)
    {
        if (!IsLive(element.Id))
        {
            return this;
        }

        var index = ListMerge.InsertionIndex(Elements, element);
        if (index < 0)
        {
            return this;
        }

        var elements = new List<ListElement>(Elements.Count + 1);
        elements.AddRange(Elements);
        elements.Insert(index, element);
        return this with { Elements = elements };
    }

    /// <summary>A removal by id arriving at this node: tombstoned (keeping the latest removal time) and dropped.</summary>
    public ListReplicaState ApplyRemove(ReplicatedVersion id, long removedAtUnixMs)
    {
        var tombstones = new Dictionary<ReplicatedVersion, long>(Tombstones);
        tombstones[id] = Tombstones.TryGetValue(id, out var previous) ? Math.Max(previous, removedAtUnixMs) : removedAtUnixMs;
        var elements = new List<ListElement>(Elements.Count);
        foreach (var element in Elements)
        {
            if (element.Id != id)
            {
                elements.Add(element);
            }
        }

        return new ListReplicaState(elements, tombstones, DeletedUpTo);
    }

    /// <summary>A list delete arriving at this node: the watermark rises to the delete's version, older ids die.</summary>
    public ListReplicaState ApplyDelete(ReplicatedVersion version)
    {
        var watermark = version > DeletedUpTo ? version : DeletedUpTo;
        var elements = new List<ListElement>(Elements.Count);
        foreach (var element in Elements)
        {
            if (element.Id > watermark)
            {
                elements.Add(element);
            }
        }

        return new ListReplicaState(elements, Tombstones, watermark);
    }

    /// <summary>The envelopes of the elements, in list order, as a full rewrite of a node's list would push them.</summary>
    public byte[][] ToEnvelopes()
    {
        var envelopes = new byte[Elements.Count][];
        for (var i = 0; i < envelopes.Length; i++)
        {
            envelopes[i] = Elements[i].ToEnvelope();
        }

        return envelopes;
    }

    /// <summary>
    /// A node's state from its raw list entries. Entries that are not envelopes (foreign data written by something
    /// else) are skipped and counted in <paramref name="foreign"/>, never guessed at.
    /// </summary>
    public static ListReplicaState FromEnvelopes(
        IEnumerable<ReadOnlyMemory<byte>> entries,
        IReadOnlyDictionary<ReplicatedVersion, long> tombstones,
        ReplicatedVersion deletedUpTo,
        out int foreign)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(tombstones);
        foreign = 0;
        var elements = new List<ListElement>();
        foreach (var entry in entries)
        {
            if (ListEnvelope.TryDecode(entry, out var element))
            {
                elements.Add(element);
            }
            else
            {
                foreign++;
            }
        }

        return new ListReplicaState(elements, tombstones, deletedUpTo);
    }

    public bool Equals(ListReplicaState? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || DeletedUpTo != other.DeletedUpTo || Elements.Count != other.Elements.Count || Tombstones.Count != other.Tombstones.Count)
        {
            return false;
        }

        for (var i = 0; i < Elements.Count; i++)
        {
            if (!Elements[i].Equals(other.Elements[i]))
            {
                return false;
            }
        }

        foreach (var (id, removedAt) in Tombstones)
        {
            if (!other.Tombstones.TryGetValue(id, out var otherRemovedAt) || otherRemovedAt != removedAt)
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode() => HashCode.Combine(Count, Digest, DeletedUpTo, Tombstones.Count);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Count = ").Append(Count)
            .Append(", Digest = ").Append(ListDigest.Format(Digest))
            .Append(", DeletedUpTo = ").Append(DeletedUpTo.ToString())
            .Append(", Elements = [");
        for (var i = 0; i < Elements.Count; i++)
        {
            builder.Append(i == 0 ? string.Empty : ", ").Append((char)Elements[i].Side).Append(Elements[i].Id.ToString());
        }

        builder.Append("], Tombstones = ").Append(Tombstones.Count);
        return true;
    }

    private sealed record DigestCache(IReadOnlyList<ListElement> Elements, ulong Digest);
}
