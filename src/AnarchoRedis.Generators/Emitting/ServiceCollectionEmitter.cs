using System.Linq;
using AnarchoRedis.Generators.Model;

namespace AnarchoRedis.Generators.Emitting;

/// <summary>
/// Emits <c>Add{AssemblyId}Repositories()</c>: registers the catalog and every repository with plain generic
/// calls, so it works from a referenced model library with no reflection or assembly scanning.
/// </summary>
internal static class ServiceCollectionEmitter
{
    public const string HintName = "AnarchoRedis.ServiceCollectionExtensions.g.cs";

    private const string Services = "global::Microsoft.Extensions.DependencyInjection.IServiceCollection";

    public static string Emit(RegistryModel model)
    {
        var writer = GeneratedText.NewFile();
        var id = model.Assembly.AssemblyId;
        writer.OpenBlock("namespace Microsoft.Extensions.DependencyInjection");
        writer.WriteLine("/// <summary>Registers the AnarchoRedis types and repositories of the " + GeneratedText.Xml(model.Assembly.AssemblyName) + " assembly.</summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock("public static class " + id + "AnarchoRedisServiceCollectionExtensions");
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Adds the assembly's replicated types to the AnarchoRedis registry and its repositories as singletons");
        writer.WriteLine("/// (existing registrations are kept). Call <c>AddAnarchoRedis(...)</c> as well to register the client.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <param name=\"services\">The services.</param>");
        writer.WriteLine("/// <returns>The services, for chaining.</returns>");
        writer.OpenBlock("public static " + Services + " Add" + id + "Repositories(this " + Services + " services)");
        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(services);");
        writer.WriteLine("global::Microsoft.Extensions.DependencyInjection.AnarchoRedisServiceCollectionExtensions.AddReplicatedTypeCatalog(services, " + model.Assembly.RegistryClass + ".Instance);");
        foreach (var spec in model.Types.Where(t => !model.Blocked.Contains(t.RepositoryKey)))
        {
            writer.WriteLine("global::Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<"
                + GeneratedText.Qualified(spec.Namespace, spec.InterfaceName) + ", " + GeneratedText.Qualified(spec.Namespace, spec.RepositoryName) + ">(services);");
        }

        writer.WriteLine("return services;");
        writer.CloseBlock();
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }
}
