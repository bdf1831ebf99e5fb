using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AnarchoRedis's health checks (<see cref="AnarchoRedis.AnarchoRedisHealthCheck"/>).</summary>
public static class AnarchoRedisHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the whole replica set, named <paramref name="name"/>, and one per configured node, named
    /// <c>{name}:{node endpoint}</c> (the nodes are read from the options when the checks first run, so options bound
    /// from configuration are seen). Needs <c>AddAnarchoRedis</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The set check's name, and the prefix of the node checks' names.</param>
    /// <param name="failureStatus">The status of a set below a majority of ready nodes (default Unhealthy).</param>
    /// <param name="tags">Tags of every check, for filtering (for example "ready").</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddAnarchoRedisChecks(this IHealthChecksBuilder builder, string name = "anarchoredis", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<AnarchoRedis.AnarchoRedisOptions>>((options, anarcho) =>
        {
            options.Registrations.Add(new HealthCheckRegistration(name, sp => new AnarchoRedis.AnarchoRedisHealthCheck(sp.GetRequiredService<AnarchoRedis.AnarchoRedisClient>()), failureStatus, tags));
            var nodes = anarcho.Value.Nodes;
            for (var i = 0; i < nodes.Count; i++)
            {
                var index = i;
                options.Registrations.Add(new HealthCheckRegistration(name + ":" + nodes[i], sp => new AnarchoRedis.AnarchoRedisHealthCheck(sp.GetRequiredService<AnarchoRedis.AnarchoRedisClient>(), index), failureStatus, tags));
            }
        });
        return builder;
    }
}
