using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>
/// The merge of several nodes' full list replies, and the meta a repair writes with it: the one place where a repair's
/// list state is decided, for read repair, the late-reply repair and anti-entropy alike.
/// </summary>
/// <param name="Merged">Union of the elements minus every tombstone and watermark (<see cref="ListMerge"/>); no element when the winning expiry has passed.</param>
/// <param name="Version">The highest version any node holds.</param>
/// <param name="ExpiresAt">The data expiry (Unix ms, 0 for none) of the newest push (<paramref name="ExpiryVersion"/>).</param>
/// <param name="ExpiryVersion">The newest push any node holds the expiry of (<see cref="ReplicatedVersion.Zero"/>: none, or deleted).</param>
/// <param name="MaxLeft">The highest left id any node ever inserted.</param>
/// <param name="MaxRight">The highest right id any node ever inserted.</param>
/// <remarks>
/// Expiry is data of a version: a list's expiry is the one its newest push set, so a node whose copy expired under an
/// older push's expiry removes nothing (its reply holds no element and no watermark), and only the winning expiry, once
/// passed, empties the merge (also over a node whose clock let its copy live on). A delete watermark at or above the
/// winning push takes its expiry with it, as list_delete.lua does.
/// </remarks>
internal sealed record ListMergedReplicas(
    ListReplicaState Merged,
    ReplicatedVersion Version,
    long ExpiresAt,
    ReplicatedVersion ExpiryVersion,
    ReplicatedVersion MaxLeft,
    ReplicatedVersion MaxRight)
{
    private static readonly ListElement[] NoElements = [];

    /// <summary>Merges the replies that answered (<see cref="ListReadReply.Ok"/>); the others are left out.</summary>
    /// <param name="replies">Full-read replies.</param>
    /// <param name="nowMs">The client's clock, Unix ms: the winning expiry is applied against it.</param>
    public static ListMergedReplicas Of(IEnumerable<ListReadReply> replies, long nowMs)
    {
        var states = new List<ListReplicaState>();
        var version = ReplicatedVersion.Zero;
        var expiresAt = 0L;
        var expiryVersion = ReplicatedVersion.Zero;
        var maxLeft = ReplicatedVersion.Zero;
        var maxRight = ReplicatedVersion.Zero;
        foreach (var reply in replies)
        {
            if (!reply.Ok)
            {
                continue;
            }

            states.Add(reply.ToState());
            version = Max(version, reply.Version);
            if (reply.ExpiryVersion > expiryVersion)
            {
                expiryVersion = reply.ExpiryVersion;
                expiresAt = reply.ExpiresAt;
            }

            maxLeft = Max(maxLeft, reply.MaxLeft);
            maxRight = Max(maxRight, reply.MaxRight);
        }

        return Settle(ListMerge.Merge(states), version, expiresAt, expiryVersion, maxLeft, maxRight, nowMs);
    }

    /// <summary>This merge with one more (late) reply merged in.</summary>
    public ListMergedReplicas With(in ListReadReply late, long nowMs)
    {
        var newerExpiry = late.ExpiryVersion > ExpiryVersion;
        return Settle(
            ListMerge.Merge(Merged, late.ToState()),
            Max(Version, late.Version),
            newerExpiry ? late.ExpiresAt : ExpiresAt,
            newerExpiry ? late.ExpiryVersion : ExpiryVersion,
            Max(MaxLeft, late.MaxLeft),
            Max(MaxRight, late.MaxRight),
            nowMs);
    }

    /// <summary>
    /// Whether a node's reply already holds exactly this state (elements, tombstones with their times, and meta). A node
    /// whose data did not match its stored meta (<see cref="ListReadReply.DataChanged"/>: expired, evicted or edited) never
    /// does, even when what the script described matches: its stored count and digest (and so its slot entry and digest)
    /// are still the old ones, and only a rewrite makes its bookkeeping equal to the others'.
    /// </summary>
    public bool IsHeldBy(in ListReadReply reply)
    {
        if (reply.DataChanged || reply.Version != Version || reply.Count != Merged.Count || reply.Digest != Merged.Digest || reply.DeletedUpTo != Merged.DeletedUpTo
            || reply.ExpiresAt != ExpiresAt || reply.ExpiryVersion != ExpiryVersion || reply.MaxLeft != MaxLeft || reply.MaxRight != MaxRight)
        {
            return false;
        }

        var tombstones = (IReadOnlyDictionary<ReplicatedVersion, long>?)reply.Tombstones ?? new Dictionary<ReplicatedVersion, long>();
        if (tombstones.Count != Merged.Tombstones.Count)
        {
            return false;
        }

        foreach (var (id, removedAt) in Merged.Tombstones)
        {
            if (!tombstones.TryGetValue(id, out var at) || at != removedAt)
            {
                return false;
            }
        }

        // Same elements in the same (canonical) order.
        for (var i = 0; i < reply.Elements.Length; i++)
        {
            if (reply.Elements[i].Id != Merged.Elements[i].Id)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a node's elements differ from the merge (its count or digest): what read repair rewrites. Tombstones and
    /// watermarks that differ alone are left to anti-entropy (<see cref="IsHeldBy"/>).
    /// </summary>
    public bool ElementsDifferFrom(in ListReadReply reply) => reply.Ok && (reply.Count != Merged.Count || reply.Digest != Merged.Digest);

    /// <summary>
    /// Whether a repair may write this merge to a node that gave <paramref name="reply"/>: always, unless the node lost
    /// tombstones (<see cref="ListReadReply.TombstonesLost"/>) and the merge is not of every node (<paramref name="ofEveryNode"/>):
    /// the others that answered may lack the same tombstones, and the merge would give the node back removed elements.
    /// </summary>
    public static bool MayRewrite(in ListReadReply reply, bool ofEveryNode) => !reply.TombstonesLost || ofEveryNode;

    private static ListMergedReplicas Settle(ListReplicaState merged, ReplicatedVersion version, long expiresAt, ReplicatedVersion expiryVersion, ReplicatedVersion maxLeft, ReplicatedVersion maxRight, long nowMs)
    {
        if (!expiryVersion.IsZero && expiryVersion <= merged.DeletedUpTo)
        {
            // The push that set the expiry is deleted, and its expiry with it.
            expiresAt = 0;
            expiryVersion = ReplicatedVersion.Zero;
        }

        if (expiresAt != 0 && expiresAt <= nowMs && merged.Elements.Count > 0)
        {
            merged = merged with { Elements = NoElements };
        }

        return new ListMergedReplicas(merged, version, expiresAt, expiryVersion, maxLeft, maxRight);
    }

    private static ReplicatedVersion Max(ReplicatedVersion a, ReplicatedVersion b) => a >= b ? a : b;
}
