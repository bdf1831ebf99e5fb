using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Generators.Diagnostics;
using AnarchoRedis.Generators.Model;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>The checks that need every type of the assembly at once: key overlaps, registry names, the runtime reference.</summary>
internal static class AssemblyValidator
{
    /// <summary>
    /// A type that would clash with the catalog <c>{AssemblyNamespace}.ReplicatedTypes</c>: that class itself, or a type
    /// named like one of the namespace's prefixes (a namespace and a type cannot share a name).
    /// </summary>
    public static string? FindCatalogConflict(Microsoft.CodeAnalysis.Compilation compilation, string registryNamespace)
    {
        var segments = registryNamespace.Replace("@", string.Empty).Split('.');
        for (var i = 1; i <= segments.Length; i++)
        {
            var candidate = string.Join(".", segments.Take(i));
            if (compilation.GetTypeByMetadataName(candidate) is not null)
            {
                return candidate;
            }
        }

        var catalog = string.Join(".", segments) + ".ReplicatedTypes";
        return compilation.GetTypeByMetadataName(catalog) is not null ? catalog : null;
    }

    public static EquatableArray<DiagnosticInfo> Validate(EquatableArray<TypeSummary> summaries, AssemblyInfo assembly)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var ordered = summaries.OrderBy(s => s.Spec.FullName, System.StringComparer.Ordinal).ThenBy(s => s.Spec.Kind).ToList();
        if (ordered.Count > 0 && !assembly.HasRuntime)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RuntimeNotReferenced, ordered[0].Anchors.Identifier));
        }

        if (ordered.Count > 0 && assembly.CatalogConflict is { } conflict)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CatalogNameTaken, ordered[0].Anchors.Identifier, conflict, assembly.RegistryNamespace));
        }

        foreach (var group in ordered.GroupBy(s => s.Spec.RegistryName).Where(g => g.Count() > 1))
        {
            foreach (var summary in group)
            {
                var other = group.First(s => !ReferenceEquals(s, summary));
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateRegistryName,
                    summary.Anchors.Name ?? summary.Anchors.Identifier,
                    summary.Spec.RegistryName,
                    Describe(summary.Spec),
                    Describe(other.Spec)));
            }
        }

        var byName = ordered.ToDictionary(s => (s.Spec.FullyQualifiedName, s.Spec.Kind));
        // A value type ChatList and a list type Chat collide on both the interface and the class name; one error per pair is enough.
        var collisions = Naming.RepositoryCollisions(ordered.Select(s => new TypeIdentity(s.Spec.FullyQualifiedName, s.Spec.FullName, s.Spec.TypeName, s.Spec.Kind)))
            .GroupBy(c => (c.Type, c.Other))
            .Select(g => g.First());
        foreach (var (type, other, name) in collisions)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.RepositoryNamesCollide,
                byName[(type.FullyQualifiedName, type.Kind)].Anchors.Identifier,
                Describe(byName[(type.FullyQualifiedName, type.Kind)].Spec),
                Describe(byName[(other.FullyQualifiedName, other.Kind)].Spec),
                name));
        }

        // Quadratic in the number of types (125,000 pairs for 500 types), so each type's automaton is built once, and
        // most pairs are settled by their literal prefixes without a search (see KeyCollisionDetector).
        var languages = ordered.Select(s => KeyLanguage.For(s.Spec.Parts)).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            for (var j = i + 1; j < ordered.Count; j++)
            {
                var first = ordered[i].Spec;
                var second = ordered[j].Spec;
                if (KeyCollisionDetector.FindCommonKey(languages[i], languages[j]) is { } key)
                {
                    diagnostics.Add(Overlap(ordered[i], second, key));
                    diagnostics.Add(Overlap(ordered[j], first, key));
                }
            }
        }

        return diagnostics.ToEquatableArray();
    }

    private static DiagnosticInfo Overlap(TypeSummary summary, ReplicatedTypeSpec other, string key) =>
        DiagnosticInfo.Create(
            DiagnosticDescriptors.OverlappingKeyTemplates,
            summary.Anchors.Template,
            summary.Spec.KeyTemplate,
            Describe(summary.Spec),
            other.KeyTemplate,
            Describe(other),
            key);

    // A type with both attributes appears twice; the kind tells the two apart in messages.
    private static string Describe(ReplicatedTypeSpec spec) =>
        spec.FullName + (spec.Kind == ReplicatedTypeKind.List ? " (list)" : string.Empty);
}
