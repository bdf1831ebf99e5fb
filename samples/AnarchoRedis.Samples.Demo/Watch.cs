using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>A row of the table: a key the demo writes and watches.</summary>
internal sealed record WatchedKey(string Key, string MetaKey, bool IsList);

/// <summary>How one node's copy of a key compares with the newest copy any node holds.</summary>
internal enum CellState
{
    /// <summary>The newest version (for a list: also the same elements).</summary>
    Fresh,

    /// <summary>The newest version is a delete, and this node holds it.</summary>
    Tombstone,

    /// <summary>An older version, or (lists) other elements.</summary>
    Stale,

    /// <summary>Nothing at all for this key.</summary>
    Missing,

    /// <summary>The node does not answer.</summary>
    Down,
}

/// <param name="Version">Short form of the node's version: its clock's wall time (ss.fff) and counter, and a list's length.</param>
internal sealed record Cell(string Version, CellState State);

internal sealed record Row(string Key, IReadOnlyList<Cell> Cells);

/// <param name="Name">A, B or C.</param>
/// <param name="State">What the client makes of the node: ready, filling, verifying or down.</param>
internal sealed record NodeStatus(string Name, string EndPoint, string State);

/// <summary>Everything the table shows at one moment.</summary>
internal sealed record Frame(IReadOnlyList<NodeStatus> Nodes, IReadOnlyList<Row> Rows);

/// <summary>Reads what every node holds for the watched keys (directly, through the <see cref="Inspector"/>) and what the client thinks of each node.</summary>
internal sealed class Watch(IReadOnlyList<IDemoNode> nodes, Inspector inspector, AnarchoRedisClient client, IReadOnlyList<WatchedKey> keys)
{
    public static string NodeName(int index) => ((char)('A' + index)).ToString();

    public async Task<Frame> SnapshotAsync()
    {
        var health = client.Health;
        var statuses = nodes.Select((n, i) => new NodeStatus(NodeName(i), n.EndPoint, !n.IsRunning ? "down" : health[i].State switch
        {
            NodeHealthState.Healthy => "ready",
            NodeHealthState.Filling => "filling",
            NodeHealthState.Unverified => "verifying",
            _ => "down",
        })).ToList();

        var rows = new List<Row>();
        foreach (var key in keys)
        {
            var metas = new MetaState?[nodes.Count];
            var reachable = new bool[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].OwnedByDemo && !nodes[i].IsRunning)
                {
                    continue;
                }

                try
                {
                    metas[i] = await inspector.MetaAsync(i, key.MetaKey).ConfigureAwait(false);
                    reachable[i] = true;
                }
                catch (RedisException)
                {
                    // Killed, or not yet back: shown as down.
                }
            }

            // Versions are fixed-width lowercase hex, so ordinal order is version order.
            var newest = metas.Where(m => m is not null).MaxBy(m => m!.Version, StringComparer.Ordinal);
            rows.Add(new Row(key.Key, metas.Select((m, i) => !reachable[i] ? new Cell("", CellState.Down) : m is null
                ? new Cell("", CellState.Missing)
                : new Cell(Short(m, key.IsList), m.Version != newest!.Version || m.Count != newest.Count || m.Digest != newest.Digest
                    ? CellState.Stale
                    : m.Tombstone ? CellState.Tombstone : CellState.Fresh)).ToList()));
        }

        return new Frame(statuses, rows);
    }

    /// <summary>
    /// A version as its clock's wall time (seconds and milliseconds: the demo lasts seconds) and counter, the HLC's two
    /// parts, e.g. <c>07.512</c> or <c>07.512+2</c>; for a list also its length, <c>07.512 n=5</c>.
    /// </summary>
    private static string Short(MetaState meta, bool isList)
    {
        if (!ReplicatedVersion.TryParse(meta.Version.AsSpan(), out var version))
        {
            return "?";
        }

        var text = version.Timestamp.ToLocalTime().ToString("ss.fff", CultureInfo.InvariantCulture);
        if (version.Counter > 0)
        {
            text += "+" + version.Counter.ToString(CultureInfo.InvariantCulture);
        }

        return isList && !meta.Tombstone ? $"{text} n={meta.Count}" : text;
    }
}
