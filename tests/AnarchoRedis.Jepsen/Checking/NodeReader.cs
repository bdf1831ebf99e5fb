using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using StackExchange.Redis;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// Reads one node directly (its own endpoint, not the proxy): every key as comparable text for the replica
/// comparison, and the registers and lists decoded through a client that knows only that node (R = 1, no read repair).
/// </summary>
public static class NodeReader
{
    private const string MetaPrefix = AnarchoRedisOptions.DefaultMetaKeyPrefix;

    /// <summary>Keys that are legitimately per node: the epoch key and the durable hint streams (the testing kit's rule).</summary>
    public static bool IsPerNode(string key) => KeyspaceComparison.IsPerNode(key);

    public static async Task<NodeSnapshot> ReadAsync(string name, string directEndPoint, CancellationToken cancellationToken = default)
    {
        var config = ConfigurationOptions.Parse(directEndPoint);
        config.AllowAdmin = true;
        config.AbortOnConnectFail = true;
        config.ConnectTimeout = 5000;
        config.SyncTimeout = config.AsyncTimeout = 10000;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(config);
        return await ReadAsync(name, [mux.GetServer(mux.GetEndPoints()[0])], mux.GetDatabase(), directEndPoint, cancellationToken);
    }

    /// <summary>
    /// Reads one replica that is a Redis Cluster: every shard's primary is scanned directly (its own port), each key
    /// read through the replica's direct cluster connection, and registers and lists decoded through a client that knows
    /// only this replica (its seeds, after the heal).
    /// </summary>
    public static async Task<NodeSnapshot> ReadReplicaAsync(LocalReplica replica, CancellationToken cancellationToken = default)
    {
        var servers = new List<IServer>();
        foreach (var shard in replica.Shards)
        {
            servers.Add((await shard.FindPrimaryAsync(cancellationToken)).Server);
        }

        return await ReadAsync($"replica{replica.Index}", servers, replica.Db, replica.ConfigurationString, cancellationToken);
    }

    /// <summary>
    /// Counts the slot epochs (<c>anrcho_epoch:{T}</c>) of a replica that is a Redis Cluster by state, over every shard's
    /// primary: after a clean final pass all 16,384 must be <c>ready</c>.
    /// </summary>
    public static async Task<(int Ready, int Filling, int Other)> CountSlotEpochsAsync(LocalReplica replica, CancellationToken cancellationToken = default)
    {
        var keys = new List<RedisKey>();
        foreach (var shard in replica.Shards)
        {
            var server = (await shard.FindPrimaryAsync(cancellationToken)).Server;
            await foreach (var key in server.KeysAsync(pattern: AnarchoRedisOptions.DefaultEpochKey + ":{*", pageSize: 1000))
            {
                keys.Add(key);
            }
        }

        var (ready, filling, other) = (0, 0, 0);
        foreach (var chunk in keys.Chunk(1000))
        {
            var states = await Task.WhenAll(chunk.Select(k => replica.Db.HashGetAsync(k, "state")));
            foreach (var state in states)
            {
                switch ((string?)state)
                {
                    case "ready":
                        ready++;
                        break;
                    case "filling":
                        filling++;
                        break;
                    default:
                        other++;
                        break;
                }
            }
        }

        return (ready, filling, other);
    }

    private static async Task<NodeSnapshot> ReadAsync(string name, IReadOnlyList<IServer> servers, IDatabase db, string clientNode, CancellationToken cancellationToken)
    {
        var options = new AnarchoRedisOptions { NodeTimeout = TimeSpan.FromSeconds(10), ReadConsistency = Consistency.One, ReadRepair = ReadRepairMode.Off };
        options.Nodes.Add(clientNode);
        options.AntiEntropy.Enabled = false;
        await using var client = await AnarchoRedisClient.ConnectAsync(options, cancellationToken: cancellationToken);
        var registers = client.GetValueStore(ReplicatedTypes.Register);
        var lists = client.GetListStore(ReplicatedTypes.Element);
        var queues = client.GetListStore(ReplicatedTypes.QueueItem);
        var feeds = client.GetListStore(ReplicatedTypes.FeedItem);
        var one = new ReadOptions { Consistency = Consistency.One, ReadRepair = ReadRepairMode.Off };

        var snapshot = new NodeSnapshot { Name = name };
        var scanned = new List<RedisKey>();
        foreach (var server in servers)
        {
            await foreach (var key in server.KeysAsync(pageSize: 1000))
            {
                scanned.Add(key);
            }
        }

        foreach (var redisKey in scanned)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = (string)redisKey!;
            if (IsPerNode(key))
            {
                continue;
            }

            if (key.StartsWith("anrcho_slot:", StringComparison.Ordinal))
            {
                // Compared whole, the digest's earliest due time "m" included: a pass visits a slot whose "m" differs
                // and settles it, so after the final pass the slot keys are byte for byte the same on every node.
                snapshot.SlotDump[key] = await DumpAsync(db, redisKey);
                continue;
            }

            var dump = await DumpAsync(db, redisKey);
            if (dump.StartsWith("None ", StringComparison.Ordinal))
            {
                // Expired (or deleted) between the scan and the read: absent.
                continue;
            }

            snapshot.Dump[key] = dump;
            if (FeedOfTombstoneKey(key) is { } tombstonedFeed)
            {
                snapshot.FeedTombstones[tombstonedFeed] = await db.HashLengthAsync(redisKey);
            }
            if (!key.StartsWith(MetaPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var dataKey = DataKeyOf(key);
            try
            {
                await DecodeAsync(snapshot, db, redisKey, dataKey, registers, lists, queues, feeds, one, cancellationToken);
            }
            catch (Exception e) when (e is AnarchoRedisException or InvalidOperationException)
            {
                // A node the final pass could not set ready (or whose copy cannot be decoded): the run is not valid, and
                // the dump says why instead of the checker crashing.
                snapshot.Dump[key] += $" (unreadable through the library: {e.GetType().Name}: {e.Message})";
            }
        }

        // Taken after the last key was read: anything due by then may have expired while the reader went through.
        return new NodeSnapshot
        {
            Name = snapshot.Name,
            Registers = snapshot.Registers,
            Lists = snapshot.Lists,
            Queues = snapshot.Queues,
            Feeds = snapshot.Feeds,
            FeedTombstones = snapshot.FeedTombstones,
            FeedMetaFields = snapshot.FeedMetaFields,
            ListExpiry = snapshot.ListExpiry,
            Dump = snapshot.Dump,
            SlotDump = snapshot.SlotDump,
            ReadAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>PEXPIRETIME of a key: Unix ms, -1 without expiry, null when the key does not exist.</summary>
    private static async Task<long?> ExpiryAsync(IDatabase db, string key)
    {
        var x = (long)await db.ExecuteAsync("PEXPIRETIME", key);
        return x == -2 ? null : x;
    }

    private static async Task DecodeAsync(NodeSnapshot snapshot, IDatabase db, RedisKey redisKey, string dataKey, ReplicatedValueStore<Models.Register> registers, ReplicatedListStore<Models.Element> lists, ReplicatedListStore<Models.QueueItem> queues, ReplicatedListStore<Models.FeedItem> feeds, ReadOptions one, CancellationToken cancellationToken)
    {
        {
            var meta = await db.HashGetAsync(redisKey, ["v", "t", "k"]);
            if (dataKey.StartsWith("jepsen:reg:", StringComparison.Ordinal) && ReplicatedVersion.TryParse(((string?)meta[0]).AsSpan(), out var version))
            {
                var tombstone = (string?)meta[1] == "1";
                string? value = null;
                if (!tombstone)
                {
                    var read = await registers.GetVersionedAsync(dataKey, one, cancellationToken);
                    value = read?.Value.Value;
                }

                snapshot.Registers[dataKey] = new RegisterState(version, tombstone, value, value is null ? null : await ExpiryAsync(db, dataKey));
            }
            else if (dataKey.StartsWith("jepsen:list:", StringComparison.Ordinal))
            {
                var items = await lists.RangeAsync(dataKey, 0, -1, one, cancellationToken);
                snapshot.Lists[dataKey] = items.Select(i => i.Value).ToList();
                if (await ExpiryAsync(db, dataKey) is { } expiry)
                {
                    snapshot.ListExpiry[dataKey] = expiry;
                }
            }
            else if (dataKey.StartsWith("jepsen:queue:", StringComparison.Ordinal))
            {
                var items = await queues.RangeAsync(dataKey, 0, -1, one, cancellationToken);
                snapshot.Queues[dataKey] = items.Select(i => i.Value).ToList();
            }
            else if (dataKey.StartsWith(FeedPrefix, StringComparison.Ordinal))
            {
                // The values through the library (a client of this node alone), the ids from the envelopes themselves
                // (side byte, 32 hex digits of the id, payload): the same list, in the same order.
                var items = await feeds.RangeAsync(dataKey, 0, -1, one, cancellationToken);
                var envelopes = await db.ListRangeAsync(dataKey);
                snapshot.FeedMetaFields[dataKey] = await db.HashLengthAsync(redisKey);
                snapshot.Feeds[dataKey] = DecodeFeed(dataKey, items.Select(i => i.Value).ToList(), envelopes.Select(e => (byte[])e!).ToList());
            }
        }
    }

    private const string FeedPrefix = "jepsen:feed:";

    /// <summary>The feed a tombstone hash belongs to (<c>anrcho_tomb:{jepsen:feed:N}</c> → <c>jepsen:feed:N</c>), or null.</summary>
    public static string? FeedOfTombstoneKey(string key)
    {
        var prefix = new AnarchoRedisOptions().ListTombstonePrefix + "{" + FeedPrefix;
        return key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith('}') ? key[(prefix.Length - FeedPrefix.Length)..^1] : null;
    }

    /// <summary>
    /// Pairs a feed's decoded values with the ids of its envelopes (bytes 1-32: the id in lowercase hex), index by index.
    /// The value must also appear in the envelope's payload (MessagePack writes the string's bytes as they are), so a
    /// pairing that went wrong is an error, not a silent mismatch.
    /// </summary>
    public static List<FeedElement> DecodeFeed(string key, IReadOnlyList<string> values, IReadOnlyList<byte[]> envelopes)
    {
        if (values.Count != envelopes.Count)
        {
            throw new InvalidOperationException($"{key}: the library read {values.Count} elements, the node's list holds {envelopes.Count}");
        }

        var result = new List<FeedElement>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var envelope = envelopes[i];
            if (envelope.Length < 33 || !ReplicatedVersion.TryParse(envelope.AsSpan(1, 32), out var id) ||
                Encoding.ASCII.GetString(envelope, 33, envelope.Length - 33).IndexOf(values[i], StringComparison.Ordinal) < 0)
            {
                throw new InvalidOperationException($"{key}: element {i} ({values[i]}) does not match its envelope {Convert.ToHexString(envelope)}");
            }

            result.Add(new FeedElement(values[i], id));
        }

        return result;
    }

    /// <summary>The data key a meta key describes: <c>anrcho_version:{k}</c> → <c>k</c> (untagged keys are wrapped whole).</summary>
    public static string DataKeyOf(string metaKey)
    {
        var rest = metaKey[MetaPrefix.Length..];
        return rest.Length > 1 && rest[0] == '{' && rest[^1] == '}' && rest.IndexOf('}') == rest.Length - 1 ? rest[1..^1] : rest;
    }

    /// <summary>Type, absolute expiry and exact content: equal text means an identical key (<see cref="KeyDump"/>).</summary>
    public static Task<string> DumpAsync(IDatabase db, RedisKey key) => KeyDump.DescribeAsync(db, key);
}
