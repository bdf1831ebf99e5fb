using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AnarchoRedis;

/// <summary>
/// Health of the replica set, or of one node, as the client sees it now (<see cref="AnarchoRedisClient.Health"/>, kept
/// current by its background probe, so a check sends no command). The set: <see cref="HealthStatus.Healthy"/> with
/// every node ready, <see cref="HealthStatus.Degraded"/> while a majority is ready (reads and writes at quorum still
/// succeed), <see cref="HealthStatus.Unhealthy"/> below. A node: Healthy when ready, Degraded while it answers but its
/// reads do not count yet (unverified, or refilling after it lost its data), Unhealthy while its circuit is open.
/// The result's data holds each node's state, latency and consecutive failures. A node that is a Redis Cluster is ready
/// only when every shard is: a shard whose circuit is open, or that refills, is named in the description and in the data
/// (<c>node.shards.host:port.state</c>), and its keys' slots cannot be read or written there.
/// Registered by <see cref="Microsoft.Extensions.DependencyInjection.AnarchoRedisHealthChecksBuilderExtensions.AddAnarchoRedisChecks"/>.
/// </summary>
public sealed class AnarchoRedisHealthCheck : IHealthCheck
{
    private readonly AnarchoRedisClient _client;
    private readonly int? _node;

    /// <summary>Checks the whole replica set.</summary>
    /// <param name="client">The client whose view is reported.</param>
    public AnarchoRedisHealthCheck(AnarchoRedisClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>Checks one node.</summary>
    /// <param name="client">The client whose view is reported.</param>
    /// <param name="node">The node's index in <see cref="AnarchoRedisOptions.Nodes"/>.</param>
    public AnarchoRedisHealthCheck(AnarchoRedisClient client, int node)
        : this(client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        _node = node;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var nodes = _client.Health;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        if (_node is { } index)
        {
            if (index >= nodes.Count)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"The client has {nodes.Count} nodes; there is no node {index}."));
            }

            var node = nodes[index];
            Describe(data, node, prefix: string.Empty);
            return Task.FromResult(node.State switch
            {
                NodeHealthState.Healthy when !IsReady(node) => HealthCheckResult.Degraded($"Node {node.Name} answers, but not every shard is ready ({NotReadyShards(node)}): the keys of their slots do not count there.", data: data),
                NodeHealthState.Healthy => HealthCheckResult.Healthy($"Node {node.Name} is ready.", data),
                NodeHealthState.Open => HealthCheckResult.Unhealthy($"Node {node.Name} does not answer: its circuit is open ({node.ConsecutiveFailures} consecutive failures).", data: data),
                NodeHealthState.Filling => HealthCheckResult.Degraded($"Node {node.Name} answers and takes writes, but is refilling after it lost its data: its reads do not count yet.", data: data),
                _ => HealthCheckResult.Degraded($"Node {node.Name} answers, but its epoch is not verified yet: its reads do not count yet.", data: data),
            });
        }

        foreach (var node in nodes)
        {
            Describe(data, node, prefix: node.Name + ".");
        }

        var ready = nodes.Count(IsReady);
        var majority = _client.ReplicaSet.Majority;
        data["ready"] = ready;
        data["nodes"] = nodes.Count;
        var notReady = string.Join(", ", nodes.Where(n => !IsReady(n)).Select(n => n.State == NodeHealthState.Healthy
            ? $"{n.Name} shards {NotReadyShards(n)}"
            : $"{n.Name} {n.State.ToString().ToLowerInvariant()}"));
        var summary = string.Create(CultureInfo.InvariantCulture, $"{ready} of {nodes.Count} nodes ready");
        return Task.FromResult(
            ready == nodes.Count ? HealthCheckResult.Healthy(summary + ".", data)
            : ready >= majority ? HealthCheckResult.Degraded($"{summary}; a majority still serves reads and writes at quorum (not ready: {notReady}).", data: data)
            : new HealthCheckResult(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy, $"{summary}, fewer than a majority ({majority}): quorum reads and writes fail (not ready: {notReady}).", data: data));
    }

    /// <summary>Ready: the node, and on a cluster node each of its shards, is healthy.</summary>
    private static bool IsReady(NodeHealthSnapshot node) =>
        node.State == NodeHealthState.Healthy && node.Shards.All(s => s.State == NodeHealthState.Healthy);

    /// <summary>A cluster node's shards that are not ready, as <c>host:port state</c>.</summary>
    private static string NotReadyShards(NodeHealthSnapshot node) =>
        string.Join(", ", node.Shards.Where(s => s.State != NodeHealthState.Healthy).Select(s => $"{ShardEndPoint(node, s)} {s.State.ToString().ToLowerInvariant()}"));

    /// <summary>A shard's endpoint: its health record is named <c>node/host:port</c>.</summary>
    private static string ShardEndPoint(NodeHealthSnapshot node, NodeHealthSnapshot shard) =>
        shard.Name.StartsWith(node.Name + "/", StringComparison.Ordinal) ? shard.Name[(node.Name.Length + 1)..] : shard.Name;

    private static void Describe(Dictionary<string, object> data, NodeHealthSnapshot node, string prefix)
    {
        foreach (var shard in node.Shards)
        {
            Describe(data, shard with { Shards = [] }, $"{prefix}shards.{ShardEndPoint(node, shard)}.");
        }

        data[prefix + "state"] = node.State.ToString();
        data[prefix + "latencyMs"] = Math.Round(node.LatencyAverage.TotalMilliseconds, 3);
        data[prefix + "consecutiveFailures"] = node.ConsecutiveFailures;
        if (node.EpochId is { } epoch)
        {
            data[prefix + "epoch"] = epoch;
        }
    }
}
