using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Generators.Diagnostics;
using AnarchoRedis.Generators.Emitting;
using AnarchoRedis.Generators.Model;
using AnarchoRedis.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AnarchoRedis.Generators;

/// <summary>
/// Generates repositories for <c>[ReplicatedKey]</c> types, list repositories for <c>[ReplicatedList]</c> types, and one type catalog plus one DI registration method
/// per assembly for <c>[ReplicatedKey]</c> and <c>[ReplicatedList]</c> types. This file only wires the pipeline.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AnarchoRedisGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var values = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "AnarchoRedis.ReplicatedKeyAttribute",
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => ReplicatedTypeParser.Parse(ctx, ReplicatedTypeKind.Value, ct))
            .WithTrackingName(TrackingNames.Values);
        var lists = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "AnarchoRedis.ReplicatedListAttribute",
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => ReplicatedTypeParser.Parse(ctx, ReplicatedTypeKind.List, ct))
            .WithTrackingName(TrackingNames.Lists);

        // Per-type diagnostics travel as data and are reported here, apart from the cached specs.
        context.RegisterSourceOutput(values.Select(static (r, _) => r.Diagnostics), ReportDiagnostics);
        context.RegisterSourceOutput(lists.Select(static (r, _) => r.Diagnostics), ReportDiagnostics);

        var assembly = context.CompilationProvider
            .Select(static (c, _) =>
            {
                var name = string.IsNullOrEmpty(c.AssemblyName) ? "AnarchoRedisModels" : c.AssemblyName!;
                return new AssemblyInfo(
                    name,
                    c.GetTypeByMetadataName("AnarchoRedis.ReplicatedValueStore`1") is not null,
                    AssemblyValidator.FindCatalogConflict(c, Naming.AssemblyNamespace(name)));
            })
            .WithTrackingName(TrackingNames.Assembly);

        // Each type is cut down before Collect(), so the collected arrays change only when what they carry changes.
        var summaries = values.Where(static r => r.Spec is not null).Select(static (r, _) => new TypeSummary(r.Spec!, r.Anchors)).Collect()
            .Combine(lists.Where(static r => r.Spec is not null).Select(static (r, _) => new TypeSummary(r.Spec!, r.Anchors)).Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).ToEquatableArray())
            .WithTrackingName(TrackingNames.Summaries);
        var identities = values.Where(static r => r.Spec is not null).Select(static (r, _) => Identity(r.Spec!)).Collect()
            .Combine(lists.Where(static r => r.Spec is not null).Select(static (r, _) => Identity(r.Spec!)).Collect())
            .Combine(assembly)
            .Select(static (pair, _) =>
            {
                var all = pair.Left.Left.Concat(pair.Left.Right).ToList();
                return new RegistryNaming(pair.Right, Naming.DescriptorNames(all), Blocked(all));
            })
            .WithTrackingName(TrackingNames.Naming);

        var repositories = values
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.RepositorySpecs)
            .Combine(identities)
            .WithTrackingName(TrackingNames.Repositories);
        context.RegisterSourceOutput(repositories, static (spc, pair) =>
        {
            var (spec, naming) = pair;
            if (naming.Assembly.CanEmit && !naming.Blocked.Contains(spec.RepositoryKey))
            {
                var descriptor = naming.Assembly.RegistryClass + "." + naming.PropertyFor(spec);
                spc.AddSource(RepositoryEmitter.HintName(spec), RepositoryEmitter.Emit(spec, descriptor));
            }
        });

        // The same shape as the value repositories, so editing one list model re-emits only its own list repository.
        var listRepositories = lists
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.ListRepositorySpecs)
            .Combine(identities)
            .WithTrackingName(TrackingNames.ListRepositories);
        context.RegisterSourceOutput(listRepositories, static (spc, pair) =>
        {
            var (spec, naming) = pair;
            if (naming.Assembly.CanEmit && !naming.Blocked.Contains(spec.RepositoryKey))
            {
                var descriptor = naming.Assembly.RegistryClass + "." + naming.PropertyFor(spec);
                spc.AddSource(ListRepositoryEmitter.HintName(spec), ListRepositoryEmitter.Emit(spec, descriptor));
            }
        });

        var assemblyDiagnostics = summaries.Combine(assembly)
            .Select(static (pair, _) => AssemblyValidator.Validate(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.AssemblyDiagnostics);
        context.RegisterSourceOutput(assemblyDiagnostics, ReportDiagnostics);

        var registry = summaries.Combine(assembly)
            .Select(static (pair, _) => RegistryModelFor(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Registry);
        context.RegisterSourceOutput(registry, static (spc, model) =>
        {
            if (model.Types.Count > 0 && model.Assembly.CanEmit)
            {
                spc.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(model));
                spc.AddSource(ServiceCollectionEmitter.HintName, ServiceCollectionEmitter.Emit(model));
            }
        });
    }

    private static TypeIdentity Identity(ReplicatedTypeSpec spec) => new(spec.FullyQualifiedName, spec.FullName, spec.TypeName, spec.Kind);

    private static RegistryModel RegistryModelFor(EquatableArray<TypeSummary> summaries, AssemblyInfo assembly)
    {
        // Same order as Naming.DescriptorNames, so Types[i] and Names[i] belong together.
        var types = summaries.Select(s => s.Spec)
            .OrderBy(s => s.FullName, System.StringComparer.Ordinal)
            .ThenBy(s => s.Kind)
            .ToEquatableArray();
        var identities = types.Select(Identity).ToList();
        return new RegistryModel(assembly, types, Naming.DescriptorNames(identities), Blocked(identities));
    }

    private static EquatableArray<RepositoryKey> Blocked(IEnumerable<TypeIdentity> identities) =>
        Naming.RepositoryCollisions(identities).Select(c => new RepositoryKey(c.Type.FullyQualifiedName, c.Type.Kind)).Distinct().ToEquatableArray();

    private static void ReportDiagnostics(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.Get(diagnostic.Id),
                diagnostic.Location?.ToLocation() ?? Location.None,
                diagnostic.MessageArgs.Cast<object>().ToArray()));
        }
    }
}

/// <summary>Step names that tests use to check what re-ran.</summary>
internal static class TrackingNames
{
    public const string Values = nameof(Values);
    public const string Lists = nameof(Lists);
    public const string Assembly = nameof(Assembly);
    public const string Summaries = nameof(Summaries);
    public const string Naming = nameof(Naming);
    public const string RepositorySpecs = nameof(RepositorySpecs);
    public const string Repositories = nameof(Repositories);
    public const string ListRepositorySpecs = nameof(ListRepositorySpecs);
    public const string ListRepositories = nameof(ListRepositories);
    public const string AssemblyDiagnostics = nameof(AssemblyDiagnostics);
    public const string Registry = nameof(Registry);
}
