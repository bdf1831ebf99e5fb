using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace AnarchoRedis.Tool.Commands;

/// <summary>
/// <c>anarcho status</c>: every node's reachability, round trip, epoch, state, key count and server version; under a node
/// that is a Redis Cluster, each of its shards with the slots it owns.
/// </summary>
internal sealed class StatusCommand(NodeConnector connector, Output output) : ToolCommand<ToolSettings>(connector, output)
{
    /// <summary>Status shows nodes without epochs as such (exit code 1) instead of refusing.</summary>
    protected override bool NeedsEpochs => false;

    protected override async Task<int> RunAsync(AnarchoRedisClient client, ToolSettings settings, CancellationToken cancellationToken)
    {
        var statuses = await client.DescribeNodesAsync(cancellationToken).ConfigureAwait(false);
        var code = ExitCode(statuses);
        if (settings.Json)
        {
            Output.Json(new { nodes = statuses.Select(Document).ToArray(), ready = statuses.Count(s => s.IsReady), total = statuses.Count, exitCode = code });
        }
        else
        {
            Output.Console.Write(Table(statuses));
            Output.Console.MarkupLine(Summary(statuses));
            if (statuses.Any(s => s.Reachable && s.EpochState is null))
            {
                Output.Console.MarkupLine(Markup.Escape($"no epoch: the node holds no '{client.Options.EpochKey}' key (a cluster node: some slot has no '{client.Options.EpochKey}:{{tag}}' key). It lost its data (an application client will mark it filling and its next pass refill it), no application has used it yet, or --config names other keys. anarcho never writes epochs."));
            }
        }

        return code;
    }

    public static int ExitCode(IReadOnlyList<NodeStatus> statuses) =>
        statuses.Any(s => !s.Reachable) ? ExitCodes.UnreachableOrUsage : statuses.All(s => s.IsReady) ? ExitCodes.InSync : ExitCodes.Differences;

    public static object Document(NodeStatus s) => new
    {
        node = s.Node,
        reachable = s.Reachable,
        ready = s.IsReady,
        error = s.Error,
        clientView = s.Health.State,
        epochState = s.EpochState,
        epochId = s.EpochId,
        roundTripMs = s.RoundTrip?.TotalMilliseconds,
        keys = s.Keys,
        serverVersion = s.ServerVersion,
        shards = s.Shards.Select(Document).ToArray(),
    };

    /// <summary>One shard of a cluster node, as JSON: its slot ranges (<c>"0-5460"</c>) and the same fields as a node's.</summary>
    public static object Document(ShardStatus s) => new
    {
        endPoint = s.EndPoint,
        reachable = s.Reachable,
        state = State(s),
        error = s.Error,
        clientView = s.Health.State,
        epochState = s.EpochState,
        slots = s.Slots.Select(r => r.ToString()).ToArray(),
        slotCount = s.SlotCount,
        roundTripMs = s.RoundTrip?.TotalMilliseconds,
        keys = s.Keys,
        serverVersion = s.ServerVersion,
    };

    /// <summary>A shard's state in one word: down, no epoch, filling, ready, or the client's view (unverified, open).</summary>
    public static string State(ShardStatus s) =>
        !s.Reachable ? "down"
        : s.EpochState is null ? "no epoch"
        : s.EpochState == "filling" || s.Health.State == NodeHealthState.Filling ? "filling"
        : s.Health.State == NodeHealthState.Healthy ? "ready"
        : s.Health.State.ToString().ToLowerInvariant();

    public static Table Table(IReadOnlyList<NodeStatus> statuses)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("node", "answers", "state", "epoch", "slots", "round trip", "keys", "server");
        foreach (var s in statuses)
        {
            var state = !s.Reachable ? "[red]down[/]"
                : s.IsReady ? "[green]ready[/]"
                : s.EpochState is null ? "[red]no epoch[/]"
                : s.EpochState == "filling" || s.Health.State == NodeHealthState.Filling ? "[yellow]filling[/]"
                : $"[yellow]{Markup.Escape(s.Health.State.ToString().ToLowerInvariant())}[/]";
            table.AddRow(
                Markup.Escape(s.Node),
                s.Reachable ? "[green]yes[/]" : "[red]no[/] " + Markup.Escape(Trim(s.Error)),
                state,
                Markup.Escape(s.Shards.Count > 0 ? "per slot" : Output.Short(s.EpochId)),
                s.Shards.Count > 0 ? $"{s.Shards.Count} shards" : "all",
                Output.Milliseconds(s.RoundTrip),
                s.Keys?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(s.ServerVersion ?? "-"));
            foreach (var shard in s.Shards)
            {
                var shardState = State(shard);
                table.AddRow(
                    "  └ " + Markup.Escape(shard.EndPoint),
                    shard.Reachable ? "[green]yes[/]" : "[red]no[/] " + Markup.Escape(Trim(shard.Error)),
                    shardState == "ready" ? "[green]ready[/]" : shardState is "down" or "no epoch" ? $"[red]{shardState}[/]" : $"[yellow]{Markup.Escape(shardState)}[/]",
                    Markup.Escape(shard.EpochState ?? "-"),
                    Markup.Escape(string.Join(",", shard.Slots.Select(r => r.ToString()))),
                    Output.Milliseconds(shard.RoundTrip),
                    shard.Keys?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    Markup.Escape(shard.ServerVersion ?? "-"));
            }
        }

        return table;
    }

    public static string Summary(IReadOnlyList<NodeStatus> statuses)
    {
        var ready = statuses.Count(s => s.IsReady);
        var down = statuses.Count(s => !s.Reachable);
        return ready == statuses.Count
            ? $"[green]{ready}/{statuses.Count} nodes ready[/]"
            : $"[yellow]{ready}/{statuses.Count} nodes ready[/]" + (down > 0 ? $", [red]{down} not answering[/]" : "");
    }

    private static string Trim(string? error) => error is null ? "" : error.Length > 60 ? error[..60] + "…" : error;
}
