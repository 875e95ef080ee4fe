package dev.templatelab.architectures;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyperparameter defaults of the Clarifai templates TemplateLab is named after, with Clarifai's names
 * ({@code lrate = batch_size x per_item_lrate}). Training validates and applies them; the graphs never read them.
 */
public final class ClarifaiDefaults {

    private ClarifaiDefaults() {
    }

    /** MMClassification_ResNet_50_RSB_A1: cosine schedule with warm-up, decoupled weight decay. */
    public static Map<String, Object> rsbA1() {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("image_size", 224);
        hp.put("batch_size", 64);
        hp.put("num_epochs", 60);
        hp.put("per_item_lrate", 1.953125e-05);
        hp.put("weight_decay", 0.01);
        hp.put("per_item_min_lrate", 1.5625e-08);
        hp.put("warmup_iters", 100);
        hp.put("warmup_ratio", 1e-4);
        hp.put("pretrained_weights", "None");
        hp.put("flip_probability", 0.5);
        hp.put("flip_direction", "horizontal");
        hp.put("concepts_mutually_exclusive", false);
        return hp;
    }

    /** Clarifai_InceptionBatchNorm, Clarifai_InceptionV2 and Clarifai_ResNext: step decay. */
    public static Map<String, Object> inceptionFamily() {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("logreg", 1);
        hp.put("image_size", 256);
        hp.put("batch_size", 64);
        hp.put("init_epochs", 25);
        hp.put("step_epochs", 7);
        hp.put("num_epochs", 65);
        hp.put("per_item_lrate", 7.8125e-05);
        return hp;
    }

    /** Clarifai_InceptionTransferEmbedNorm: a per-minibatch lrate and a small backbone multiplier. */
    public static Map<String, Object> embedNorm() {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("logreg", 1);
        hp.put("image_size", 256);
        hp.put("batch_size", 128);
        hp.put("lrate", 0.1);
        hp.put("base_gradient_multiplier", 0.001);
        hp.put("num_epochs", 20);
        hp.put("average_horizontal_flips", true);
        return hp;
    }
}
