using System;
using System.Diagnostics.Metrics;
using AnarchoRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AnarchoRedis in a service collection.</summary>
public static class AnarchoRedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers the client, its options, the type registry, the <see cref="AntiEntropyRunner"/> and the hosted
    /// <see cref="AntiEntropyService"/> (it runs passes when a host runs; <see cref="AntiEntropyOptions.Enabled"/> turns it off),
    /// configured in code.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="AnarchoRedisOptions.Nodes"/>).</param>
    /// <returns>The services, for chaining (call the generated <c>Add…Repositories()</c> next).</returns>
    public static IServiceCollection AddAnarchoRedis(this IServiceCollection services, Action<AnarchoRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<AnarchoRedisOptions>().Configure(configure).ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>Registers the client, its options (bound from configuration) and the type registry.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section to bind, for example <c>configuration.GetSection("AnarchoRedis")</c>.</param>
    /// <param name="configure">Further settings applied after binding, or <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAnarchoRedis(this IServiceCollection services, IConfiguration configuration, Action<AnarchoRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<AnarchoRedisOptions>().Bind(configuration);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>Adds one assembly's replicated types to the registry. The generated <c>Add…Repositories()</c> calls this.</summary>
    /// <param name="services">The services.</param>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddReplicatedTypeCatalog(this IServiceCollection services, IReplicatedTypeCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(catalog);
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IReplicatedTypeCatalog), catalog));
        return services;
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnarchoRedisOptions>, AnarchoRedisOptionsValidator>());
        services.TryAddSingleton(sp => new ReplicatedTypeRegistry(sp.GetServices<IReplicatedTypeCatalog>()));
        services.TryAddSingleton(sp =>
        {
            var client = new AnarchoRedisClient(
                sp.GetRequiredService<IOptions<AnarchoRedisOptions>>().Value,
                sp.GetService<ILoggerFactory>(),
                sp.GetService<TimeProvider>(),
                sp.GetService<IMeterFactory>());

            // Hint replays resolve type names like anti-entropy does, including durable hints other processes wrote.
            client.UseTypeRegistry(sp.GetRequiredService<ReplicatedTypeRegistry>());
            return client;
        });
        services.TryAddSingleton(sp => new AntiEntropyRunner(
            sp.GetRequiredService<AnarchoRedisClient>(),
            sp.GetRequiredService<ReplicatedTypeRegistry>(),
            sp.GetService<ILogger<AntiEntropyRunner>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AntiEntropyService>(sp => new AntiEntropyService(
            sp.GetRequiredService<AntiEntropyRunner>(),
            sp.GetRequiredService<IOptions<AnarchoRedisOptions>>(),
            sp.GetService<ILogger<AntiEntropyService>>(),
            sp.GetService<TimeProvider>())));
        return services;
    }
}
