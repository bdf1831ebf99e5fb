using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// The node scripts against the reference model (<see cref="ListReplicaState"/>'s Apply methods): random pushes with
/// ids out of order (the slow LINSERT path), replays, removals of present and absent ids, and deletes, on one real node.
/// </summary>
public sealed class ListScriptModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Scripts_match_the_model_operation_by_operation(int seed)
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        var key = $"chat:model{seed}";
        // With the slot index and digest keys: every step also checks the key's slot entry against the formula in docs/anti-entropy.md.
        var slots = new SlotKeys("anrcho_slot:");
        var slot = HashSlot.Of(key);
        RedisKey[] keys = [.. ListTestHelpers.KeysOf(key), slots.IndexKey(slot), slots.DigestKey(slot)];
        var firstDue = 0L;
        var push = ListTestHelpers.Script("list_push");
        var remove = ListTestHelpers.Script("list_remove");
        var delete = ListTestHelpers.Script("list_delete");
        var random = new Random(seed);
        var model = ListReplicaState.Empty;
        var used = new List<ReplicatedVersion>();
        ReplicatedVersion NewId() => new((ulong)random.NextInt64(1, 1L << 40), (ulong)random.NextInt64());
        static string Hash(ReplicatedVersion id) => ListDigest.Format(ListDigest.ElementHash(id));

        for (var step = 0; step < 300; step++)
        {
            var dice = random.Next(100);
            if (dice < 70)
            {
                var id = used.Count > 0 && dice < 8 ? used[random.Next(used.Count)] : NewId();
                var side = random.Next(2) == 0 ? ListSide.Left : ListSide.Right;
                if (used.Contains(id))
                {
                    side = model.Elements.FirstOrDefault(e => e.Id == id) is { Id.IsZero: false } existing ? existing.Side : side;
                }

                used.Add(id);
                var element = new ListElement(id, side, new byte[] { (byte)step, 0xC0 });
                model = model.ApplyPush(element);

                // Now and then a capped push (MaxLength): the node keeps its newest cap elements by raising dv.
                var cap = random.Next(4) == 0 ? random.Next(1, 7) : 0;
                if (cap > 0 && ListMerge.FloorKeepingNewest(model.Elements, cap) is { } floor)
                {
                    model = model.ApplyDelete(floor);
                }

                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(push, keys, ["tests.chat", id.ToString(), "0", "0", "0", cap, element.ToEnvelope(), Hash(id)]))!;
                Assert.Equal(0, (long)reply[0]);
            }
            else if (dice < 95 && used.Count > 0)
            {
                var id = dice < 90 && model.Elements.Count > 0 ? model.Elements[random.Next(model.Elements.Count)].Id : NewId();
                var at = 1000 + step;
                firstDue = firstDue == 0 ? at + 1000 : firstDue;
                model = model.ApplyRemove(id, at);
                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(remove, keys, ["tests.chat", NewId().ToString(), at, "0", at + 1000, id.ToString(), Hash(id)]))!;
                Assert.Equal(0, (long)reply[0]);
            }
            else
            {
                var version = NewId();
                model = model.ApplyDelete(version);
                // Elements above the delete's version survive, and the script rehashes them itself.
                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(delete, keys, ["tests.chat", version.ToString(), "0"]))!;
                Assert.Equal(0, (long)reply[0]);
            }

            var onNode = (await db.ListRangeAsync(key)).Select(v => Convert.ToHexString((byte[])v!)).ToArray();
            Assert.Equal(model.Elements.Select(e => Convert.ToHexString(e.ToEnvelope())).ToArray(), onNode);
            var meta = await cluster.MetaAsync(0, key);
            Assert.Equal(model.Count.ToString(CultureInfo.InvariantCulture), meta["c"]);
            Assert.Equal(ListDigest.Format(model.Digest), meta["h"]);
            Assert.Equal(model.DeletedUpTo.IsZero ? "0" : model.DeletedUpTo.ToString(), meta["dv"]);

            // The entry: SHA-1 of the meta fields and tombstone count (computed here), due at the earliest candidate.
            var entry = await db.HashGetAsync(slots.IndexKey(slot), key);
            Assert.True(SlotEntry.TryParse(entry, out var hash, out var due), $"entry '{entry}'");
            Assert.Equal(AntiEntropy.SlotAudit.ListEntryHash(key, meta, await db.HashGetAllAsync(ListTestHelpers.TombstoneKeyOf(key))), hash);
            Assert.Equal(firstDue, due);
            Assert.Equal(SlotEntry.Weight(hash, due), (long)await db.HashGetAsync(slots.DigestKey(slot), "s"));
        }

        var tombstones = await db.HashGetAllAsync(ListTestHelpers.TombstoneKeyOf(key));
        Assert.Equal(
            model.Tombstones.OrderBy(t => t.Key).Select(t => (t.Key.ToString(), t.Value)),
            tombstones.Select(t => ((string)t.Name!, (long)t.Value)).OrderBy(t => t.Item1, StringComparer.Ordinal));
    }
}
