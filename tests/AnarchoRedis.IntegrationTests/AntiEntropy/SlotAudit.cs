using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;
using Xunit.Sdk;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// Everything one node holds in its slot digests and slot indexes (<c>anrcho_slot:*</c>), read directly, with the
/// data keys that have meta on that node (<c>SCAN anrcho_version:*</c>, mapped back), and the invariants the write
/// scripts keep: for every slot, digest <c>s</c> is the sum of the index entries' hashes (a missing digest counts as
/// 0), the index lists exactly the keys with meta in that slot, <c>m</c> is at or before every entry's due time, and
/// the slot keys carry the slot's tag.
/// </summary>
internal sealed class SlotAudit
{
    public const string SlotPrefix = "anrcho_slot:";

    private static readonly KeySpace Keys = new(AnarchoRedisOptions.DefaultMetaKeyPrefix, 16 * 1024, "anrcho_tomb:", SlotPrefix);

    private SlotAudit(
        string node,
        Dictionary<int, Dictionary<string, string>> digests,
        Dictionary<int, Dictionary<string, string>> indexes,
        Dictionary<int, HashSet<string>> metaKeys,
        List<string> problems)
    {
        Node = node;
        Digests = digests;
        Indexes = indexes;
        MetaKeys = metaKeys;
        Problems = problems;
    }

    public string Node { get; }

    /// <summary>Slot to the digest hash's fields (<c>s</c>, <c>m</c>) as stored.</summary>
    public IReadOnlyDictionary<int, Dictionary<string, string>> Digests { get; }

    /// <summary>Slot to the index hash: data key to entry text.</summary>
    public IReadOnlyDictionary<int, Dictionary<string, string>> Indexes { get; }

    /// <summary>Slot to the data keys that have a meta key on the node.</summary>
    public IReadOnlyDictionary<int, HashSet<string>> MetaKeys { get; }

    /// <summary>Every broken invariant, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    public int SlotKeyCount => Digests.Count + Indexes.Count;

    /// <summary>Reads every slot key and meta key of one node.</summary>
    public static async Task<SlotAudit> ReadAsync(LocalNode node)
    {
        var problems = new List<string>();
        var db = node.Db;
        var digests = new Dictionary<int, Dictionary<string, string>>();
        var indexes = new Dictionary<int, Dictionary<string, string>>();
        await foreach (var redisKey in node.Server.KeysAsync(pattern: SlotPrefix + "*", pageSize: 1000))
        {
            var name = (string)redisKey!;
            var slot = HashSlot.Of(name);
            var tag = SlotKeys.Tag(slot);
            var isDigest = name == $"{SlotPrefix}{{{tag}}}:digest";
            var isIndex = name == $"{SlotPrefix}{{{tag}}}:keys";
            if (!isDigest && !isIndex)
            {
                problems.Add($"{name}: not a slot key the library names (slot {slot}, tag {tag})");
                continue;
            }

            HashEntry[] fields;
            try
            {
                fields = await db.HashGetAllAsync(name);
            }
            catch (RedisServerException ex)
            {
                problems.Add($"{name}: not a hash ({ex.Message})");
                continue;
            }

            (isDigest ? digests : indexes)[slot] = fields.ToDictionary(f => (string)f.Name!, f => (string)f.Value!, StringComparer.Ordinal);
        }

        var metaKeys = new Dictionary<int, HashSet<string>>();
        await foreach (var redisKey in node.Server.KeysAsync(pattern: AnarchoRedisOptions.DefaultMetaKeyPrefix + "*", pageSize: 1000))
        {
            var name = (string)redisKey!;
            if (!Keys.TryDataKeyFromMetaKey(name, out var key))
            {
                problems.Add($"{name}: a meta key that names no valid data key");
                continue;
            }

            var slot = HashSlot.Of(key);
            if (!metaKeys.TryGetValue(slot, out var set))
            {
                metaKeys[slot] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(key);
        }

        var slots = digests.Keys.Concat(indexes.Keys).Concat(metaKeys.Keys).Distinct().Order();
        foreach (var slot in slots)
        {
            var digest = digests.GetValueOrDefault(slot) ?? [];
            var index = indexes.GetValueOrDefault(slot) ?? [];
            var keys = metaKeys.GetValueOrDefault(slot) ?? [];
            foreach (var field in digest.Keys.Where(f => f is not ("s" or "m")))
            {
                problems.Add($"slot {slot}: unexpected digest field '{field}'");
            }

            long sum = 0;
            long earliestDue = 0;
            foreach (var (key, text) in index)
            {
                if (!SlotEntry.TryParse(text, out var hash, out var due))
                {
                    problems.Add($"slot {slot}: entry of '{key}' is malformed: '{text}'");
                    continue;
                }

                sum += SlotEntry.Weight(hash, due);
                if (due != 0 && (earliestDue == 0 || due < earliestDue))
                {
                    earliestDue = due;
                }

                if (HashSlot.Of(key) != slot)
                {
                    problems.Add($"slot {slot}: '{key}' belongs to slot {HashSlot.Of(key)}");
                }
            }

            var s = digest.TryGetValue("s", out var sText) ? long.Parse(sText, CultureInfo.InvariantCulture) : 0;
            if (s != sum)
            {
                problems.Add($"slot {slot}: s = {s}, but the entries' weights sum to {sum}");
            }

            if (earliestDue != 0)
            {
                if (!digest.TryGetValue("m", out var mText))
                {
                    problems.Add($"slot {slot}: entries are due (earliest {earliestDue}) but m is missing");
                }
                else if (long.Parse(mText, CultureInfo.InvariantCulture) > earliestDue)
                {
                    problems.Add($"slot {slot}: m = {mText} is after the earliest due entry ({earliestDue})");
                }
            }

            foreach (var missing in keys.Where(k => !index.ContainsKey(k)).Order(StringComparer.Ordinal))
            {
                problems.Add($"slot {slot}: '{missing}' has meta but no index entry");
            }

            foreach (var stale in index.Keys.Where(k => !keys.Contains(k)).Order(StringComparer.Ordinal))
            {
                problems.Add($"slot {slot}: '{stale}' has an index entry but no meta");
            }
        }

        return new SlotAudit(node.EndPoint, digests, indexes, metaKeys, problems);
    }

    /// <summary>Reads and checks one node; fails the test with every problem found.</summary>
    public static async Task<SlotAudit> CheckAsync(LocalNode node)
    {
        var audit = await ReadAsync(node);
        audit.AssertConsistent();
        return audit;
    }

    public void AssertConsistent()
    {
        if (Problems.Count > 0)
        {
            throw new XunitException($"Slot audit of {Node} found {Problems.Count} problem(s):\n  " + string.Join("\n  ", Problems.Take(50)));
        }
    }

    /// <summary>The slots whose digest hashes differ (field by field, byte for byte) between two nodes.</summary>
    public static SortedSet<int> DifferingDigests(SlotAudit a, SlotAudit b) =>
        new(a.Digests.Keys.Union(b.Digests.Keys).Where(slot => !SameFields(a.Digests.GetValueOrDefault(slot), b.Digests.GetValueOrDefault(slot))));

    /// <summary>The slots whose index hashes differ between two nodes.</summary>
    public static SortedSet<int> DifferingIndexes(SlotAudit a, SlotAudit b) =>
        new(a.Indexes.Keys.Union(b.Indexes.Keys).Where(slot => !SameFields(a.Indexes.GetValueOrDefault(slot), b.Indexes.GetValueOrDefault(slot))));

    /// <summary>The index entry of a key, or <see langword="null"/>.</summary>
    public string? Entry(string key) => Indexes.GetValueOrDefault(HashSlot.Of(key))?.GetValueOrDefault(key);

    /// <summary>The entry hash of a key (fails when it has no well-formed entry).</summary>
    public (long Hash, long Due) ParsedEntry(string key)
    {
        var text = Entry(key) ?? throw new XunitException($"{Node}: '{key}' has no slot index entry");
        return SlotEntry.TryParse(text, out var hash, out var due) ? (hash, due) : throw new XunitException($"{Node}: '{key}' has a malformed entry '{text}'");
    }

    /// <summary>The digest sum of a slot (0 when the node holds no digest for it).</summary>
    public long Sum(int slot) =>
        Digests.GetValueOrDefault(slot)?.GetValueOrDefault("s") is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : 0;

    /// <summary>
    /// A list's entry hash as docs/anti-entropy.md defines it: the first 10 hex digits of the SHA-1 of key, v, c, h, dv, ml, mr, x,
    /// xv, the number of element tombstones and their digest (the XOR of the first 16 hex digits of SHA-1(id ':' time)
    /// over the tombstones), joined by NUL. Computed here from the node's tombstones, independently of the scripts.
    /// </summary>
    public static long ListEntryHash(string key, IReadOnlyDictionary<string, string> meta, HashEntry[] tombstones)
    {
        var tw = 0UL;
        foreach (var tombstone in tombstones)
        {
            var tombSha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{tombstone.Name}:{tombstone.Value}")));
            tw ^= ulong.Parse(tombSha.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        Assert.Equal(tw.ToString("x16", CultureInfo.InvariantCulture), meta["tw"]);
        Assert.Equal(tombstones.Length.ToString(CultureInfo.InvariantCulture), meta["tn"]);
        var text = string.Join('\0', key, meta["v"], meta["c"], meta["h"], meta["dv"], meta["ml"], meta["mr"], meta["x"], meta["xv"], tombstones.Length.ToString(CultureInfo.InvariantCulture), meta["tw"]);
        var sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
        return long.Parse(sha.AsSpan(0, 10), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    private static bool SameFields(Dictionary<string, string>? a, Dictionary<string, string>? b)
    {
        a ??= [];
        b ??= [];
        return a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && other == pair.Value);
    }
}
