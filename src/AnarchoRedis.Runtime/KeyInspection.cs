using System;
using System.Collections.Generic;
using System.Linq;

namespace AnarchoRedis;

/// <summary>
/// What every node holds for one key (<see cref="AnarchoRedisClient.InspectAsync"/>): its meta, the Redis type and size
/// of its data, and a digest of the data bytes, read straight from each node without repairing anything.
/// </summary>
/// <param name="Key">The key.</param>
/// <param name="MetaKey">Its meta key (<c>anrcho_version:…</c>).</param>
/// <param name="Replicas">Each configured node's copy, in the order of <see cref="AnarchoRedisClient.Nodes"/>.</param>
public sealed record KeyInspection(string Key, string MetaKey, IReadOnlyList<KeyReplica> Replicas)
{
    /// <summary>The newest version any reachable node holds, or <see langword="null"/> when none holds a meta.</summary>
    public ReplicatedVersion? Newest => Replicas.Where(r => r.Version is not null).Select(r => r.Version!.Value).DefaultIfEmpty().Max() is { IsZero: false } v ? v : null;

    /// <summary>Whether every node answered and all hold the same copy (<see cref="KeyReplica.Fingerprint"/>).</summary>
    public bool Agree => Replicas.All(r => r.Reachable) && Replicas.Select(r => r.Fingerprint).Distinct(StringComparer.Ordinal).Count() == 1;

    /// <summary>
    /// Whether <paramref name="replica"/> differs from the copy that holds the newest write: below the newest version, or
    /// at it with other contents. Unreachable copies are not stale (unknown). For a list, whose version is only its latest
    /// write, concurrent writes can leave each of two copies lacking something; the one without the newest write is
    /// called stale.
    /// </summary>
    /// <param name="replica">One of <see cref="Replicas"/>.</param>
    /// <returns>Whether it differs from the newest copy.</returns>
    public bool IsStale(KeyReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (!replica.Reachable || Agree)
        {
            return false;
        }

        var newest = Replicas.FirstOrDefault(r => r.Reachable && r.Version is not null && r.Version == Newest);
        if (newest is null)
        {
            // No copy holds a meta: those holding anything else are what differs.
            return replica.Fingerprint != Replicas.Where(r => r.Reachable).GroupBy(r => r.Fingerprint, StringComparer.Ordinal).OrderByDescending(g => g.Count()).First().Key;
        }

        return replica.Fingerprint != newest.Fingerprint || (replica.Kind != ReplicatedKind.List && replica.Version != Newest);
    }
}

/// <summary>One node's copy of a key (<see cref="KeyInspection"/>).</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Error">Why the node could not be read, or <see langword="null"/> when it answered.</param>
/// <param name="Meta">The meta hash's fields as stored (empty when the node holds no meta).</param>
/// <param name="DataType">The Redis type of the data key: <c>string</c>, <c>list</c>, <c>none</c> (absent), or another type (not written by the library).</param>
/// <param name="DataLength">Bytes of a value, elements of a list (or members of another Redis type), 0 when absent.</param>
/// <param name="ElementTombstones">Removed list elements the node remembers (the list's tombstone hash), 0 for values.</param>
/// <param name="DataDigest">A 64-bit digest (XxHash64) of the value's bytes or of the list's elements in order, 0 when absent or of another type.</param>
/// <param name="Problem">What is wrong with the node's copy when it answered with an error (a meta or tombstone key of the wrong Redis type), else <see langword="null"/>.</param>
public sealed record KeyReplica(string Node, string? Error, IReadOnlyDictionary<string, string> Meta, string DataType, long DataLength, long ElementTombstones, ulong DataDigest, string? Problem = null)
{
    /// <summary>Whether the node answered.</summary>
    public bool Reachable => Error is null;

    /// <summary>
    /// The epoch that vouches for this copy, as stored now: the node's (<c>EpochKey</c>), or on a node that is a Redis
    /// Cluster that of the key's slot (<c>EpochKey:{tag}</c>, on the shard that holds the key). <c>ready</c>: the copy's
    /// answer counts toward R; <c>filling</c>: the node (or shard) is refilling after it lost data, so its answer does
    /// not count yet; <see langword="null"/> when there is none (lost with the data) or it could not be read.
    /// </summary>
    public string? EpochState { get; init; }

    /// <summary>The key's kind from the meta (<c>k</c>), or <see langword="null"/> without a meta.</summary>
    public ReplicatedKind? Kind => Field("k") switch { "v" => ReplicatedKind.Value, "l" => ReplicatedKind.List, _ => null };

    /// <summary>The registry name of the key's type (<c>n</c>), or <see langword="null"/>.</summary>
    public string? TypeName => Field("n");

    /// <summary>The version in the meta (<c>v</c>: a value's version, a list's latest write), or <see langword="null"/> when absent or unreadable.</summary>
    public ReplicatedVersion? Version => Field("v") is { } text && ReplicatedVersion.TryParse(text, out var version) ? version : null;

    /// <summary>Whether the meta marks the value deleted (<c>t</c> = 1).</summary>
    public bool Tombstone => Field("t") == "1";

    /// <summary>When the key expires (<c>x</c>), or <see langword="null"/> when it does not.</summary>
    public DateTimeOffset? ExpiresAt => Field("x") is { } x && long.TryParse(x, out var ms) && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>
    /// What two nodes must share to hold the same copy: the type name and, for a value, its version, tombstone, expiry and
    /// bytes; for a list its elements (count and digest), removed elements, deletion watermark, expiry and data bytes (not
    /// its version, the latest write each node applied). Empty when unreachable.
    /// </summary>
    public string Fingerprint => !Reachable ? "" : Kind == ReplicatedKind.List
        ? $"l|{Field("n")}|{Field("c")}|{Field("h")}|{Field("tw")}|{Field("dv")}|{Field("x")}|{DataType}|{DataLength}|{DataDigest:x16}|{Problem}"
        : $"{Field("k")}|{Field("n")}|{Field("v")}|{Field("t")}|{Field("x")}|{DataType}|{DataLength}|{DataDigest:x16}|{Problem}";

    private string? Field(string name) => Meta.TryGetValue(name, out var value) ? value : null;
}
