using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <content>The full-value repair of diverged list replicas (list_replace.lua).</content>
internal sealed partial class ListReplicator
{
    /// <summary>
    /// Writes one merge (<see cref="ListMergedReplicas"/>) to diverged nodes with list_replace.lua. The watermarks it
    /// writes (highest left/right id ever inserted) are the highest of the merged elements and of every reply's, so that
    /// every node it repairs ends with the same meta (and the same slot entry).
    /// </summary>
    private sealed class ReplacePlan
    {
        private readonly string _key;
        private readonly RedisKey[] _keys;
        private readonly string _typeName;
        private readonly ListMergedReplicas _basis;
        private RedisValue[]? _tail;

        public ReplacePlan(ListReplicator owner, string key, RedisKey[] keys, string typeName, ListMergedReplicas basis)
        {
            Owner = owner;
            _key = key;
            _keys = keys;
            _typeName = typeName;
            _basis = basis;
        }

        public ListReplicator Owner { get; }

        public ListReplicaState Merged => _basis.Merged;

        public ReplacePlan Widen(ListReadReply late) => new(Owner, _key, _keys, _typeName, _basis.With(late, Owner.ExpiryJudgedAtMs));

        /// <summary>Writes the merge to one node (conditionally on what it was seen holding) and returns its reply; throws on failure.</summary>
        public async Task<ListWriteReply> ApplyAsync(ReplicaNode node, ListReadReply seen)
        {
            var result = await node.EvaluateOrReloadAsync(LuaScript.ListReplace, _keys, Arguments(seen)).ConfigureAwait(false);
            return ListReplyParser.ParseWrite(result, _key, node.Name, _typeName);
        }

        public async Task RunAsync(ReplicaNode node, ListReadReply seen, string mode)
        {
            try
            {
                var args = Arguments(seen);
                var result = await node.EvaluateOrReloadAsync(LuaScript.ListReplace, _keys, args).ConfigureAwait(false);
                var reply = ListReplyParser.ParseWrite(result, _key, node.Name, _typeName);
                var outcome = reply.Kind switch
                {
                    NodeOutcomeKind.Applied => "applied",
                    NodeOutcomeKind.Superseded => "changed",
                    _ => "failed",
                };
                Owner._metrics.ListRepair(mode, outcome);
                Log.ListRepaired(Owner._logger, _key, node.Name, mode, outcome, Merged.Count);
                if (reply.Error is not null)
                {
                    Log.ListRepairFailed(Owner._logger, _key, node.Name, reply.Error);
                }
            }
            catch (Exception ex)
            {
                Owner._metrics.ListRepair(mode, "failed");
                Log.ListRepairFailed(Owner._logger, _key, node.Name, ex);
            }
        }

        private RedisValue[] Arguments(ListReadReply seen)
        {
            var tail = _tail ??= Tail();
            var args = new RedisValue[3 + tail.Length];
            args[0] = _typeName;
            args[1] = seen.Count;
            args[2] = ListDigest.Format(seen.Digest);
            tail.CopyTo(args, 3);
            return args;
        }

        /// <summary>ARGV[4..] of list_replace.lua: the same for every node.</summary>
        private RedisValue[] Tail()
        {
            var elements = Merged.Elements;
            var tombstones = Merged.Tombstones;
            var tail = new RedisValue[11 + elements.Count + (2 * tombstones.Count)];
            var maxLeft = _basis.MaxLeft;
            var maxRight = _basis.MaxRight;
            foreach (var element in elements)
            {
                if (element.Side == ListSide.Left && element.Id > maxLeft)
                {
                    maxLeft = element.Id;
                }
                else if (element.Side == ListSide.Right && element.Id > maxRight)
                {
                    maxRight = element.Id;
                }
            }

            // Due: the earliest merged tombstone may be purged when its grace period ends; an expiring list's meta
            // key expires.
            var earliestRemoval = 0L;
            foreach (var at in tombstones.Values)
            {
                earliestRemoval = earliestRemoval == 0 ? at : Math.Min(earliestRemoval, at);
            }

            var metaExpiresAt = Owner.MetaExpiresAt(_basis.ExpiresAt);
            var due = EarliestDue(tombstones.Count == 0 ? 0 : earliestRemoval + Owner.GraceMs, metaExpiresAt);
            tail[0] = _basis.Version.ToString();
            tail[1] = ListReplyParser.Watermark(Merged.DeletedUpTo);
            tail[2] = _basis.ExpiresAt;
            tail[3] = metaExpiresAt;
            tail[4] = Merged.Count;
            tail[5] = ListDigest.Format(Merged.Digest);
            tail[6] = ListReplyParser.Watermark(maxLeft);
            tail[7] = ListReplyParser.Watermark(maxRight);
            tail[8] = due;
            tail[9] = ListReplyParser.Watermark(_basis.ExpiryVersion);
            tail[10] = elements.Count;
            var i = 11;
            foreach (var element in elements)
            {
                tail[i++] = element.ToEnvelope();
            }

            foreach (var (id, at) in tombstones)
            {
                tail[i++] = id.ToString();
                tail[i++] = at;
            }

            return tail;
        }
    }
}
