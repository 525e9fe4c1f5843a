/* digits_s8.h - int8 weights by tools/export_torch.py --int8 from digits.pt,
   calibrated on digits_calib.pt (256 rows); do not edit.
   Weights symmetric per-channel, activations asymmetric, as TFLite quantizes; each
   layer's output scale and zero point are the next layer's input ones. */
#ifndef DIGITS_S8_H
#define DIGITS_S8_H

#include "linear.h"

/* 0: nn.Linear(64, 32) + nn.ReLU() (fused: the clamp) */
#define DIGITS_S8_0_IN 64
#define DIGITS_S8_0_OUT 32
#define DIGITS_S8_0_INPUT_SCALE 0.00392156886f
#define DIGITS_S8_0_INPUT_ZERO_POINT -128
#define DIGITS_S8_0_OUTPUT_SCALE 0.0285618883f
#define DIGITS_S8_0_OUTPUT_ZERO_POINT -128
static const int8_t digits_s8_0_weight[2048] = {
    -1, 61, -116, -97, -62, 13, -2, 89, -10, 7, -50, -37, -127, -97, -46, 4,
    45, 42, -90, -60, 27, 71, -41, 84, -18, -5, 89, -122, -57, -45, -65, 97,
    -73, -66, -89, -92, -52, 92, 36, 55, 6, -69, 5, -126, -82, -76, 57, 66,
    -50, -18, 57, 97, 26, -1, 63, -66, 21, -87, -94, -73, 37, 33, -80, 34,
    9, -79, -11, 14, 25, 40, -57, -22, 69, 31, 23, 1, -26, 30, 42, -5,
    35, 78, 26, 2, 60, 15, -1, -19, 6, -30, -29, 92, 56, -13, -84, -30,
    8, -52, -51, 72, 35, -65, -127, -4, -27, -31, -26, -23, -16, -25, -68, -48,
    -26, 58, 43, -46, 0, 57, 55, 57, -2, 0, -35, 43, 51, 35, 26, 32,
    -6, -5, -8, -3, -43, 19, -26, 6, -41, -2, -25, -7, 45, 6, -22, -3,
    -53, -31, 3, 30, 60, -47, 21, 12, -3, -45, -20, -50, 24, -2, -1, 46,
    -3, 56, -6, 0, 71, 19, -19, 6, -17, 59, 94, 127, 67, -34, -29, 63,
    34, 12, 38, 58, 42, 28, 44, 9, 36, 38, -22, -16, -2, 60, 63, 84,
    -82, 5, -82, -80, -83, 55, -69, -3, 5, 75, -103, -95, -82, 96, -57, 98,
    42, 30, -16, -38, 30, -41, -16, 15, -91, -76, 79, -110, -21, 100, 27, 3,
    -101, 42, -99, -49, -54, -32, -14, 96, 15, 89, 56, -89, 37, -98, -49, 34,
    38, 72, -53, -15, 45, -127, 84, -96, 2, -20, -61, 0, 81, -47, -69, -43,
    -23, 50, -39, 47, 97, 24, 92, 66, 63, 67, 51, 43, 66, 38, 104, 87,
    27, -26, -115, -127, 74, 69, 76, 34, 1, -63, -54, 49, 74, 52, 44, -59,
    -5, -65, 16, 105, 97, 61, 87, -15, 41, 25, -77, -94, 32, 71, 84, -93,
    -12, -14, -38, -43, -79, -89, 20, -59, -32, 9, 21, -2, -59, -76, -67, -99,
    1, 89, 75, 41, 61, 64, 127, 0, 61, 35, 57, 49, 64, 27, 45, 38,
    52, 18, 23, -13, -67, -5, -59, -33, -10, 16, 51, 26, 21, 53, -8, -51,
    -3, 3, 40, 45, -35, 30, 30, 4, -15, -108, -37, -61, -30, 25, -13, -69,
    -47, -61, 13, -12, -72, -62, -74, 29, -16, 83, 90, 31, -9, -54, -47, -43,
    7, 90, -17, 46, 24, 64, -9, 12, -120, 21, -77, 2, 111, 0, -30, 56,
    -62, -39, -110, 27, 124, -45, 82, 40, -8, -65, -98, -86, 77, 7, -41, -29,
    -6, 13, -23, 17, 98, 19, 16, 10, 42, 13, -27, 92, 26, -63, -11, -20,
    66, 43, -22, 95, 75, 3, 108, 41, 17, 30, 14, 0, -16, 81, 82, 127,
    1, -54, 37, 43, 34, -57, -37, 56, 49, 90, 53, 34, 8, 4, 6, 38,
    20, 5, 103, -26, -45, 78, 108, 53, 10, -35, 36, -40, -77, 104, 127, -43,
    -12, 53, -5, 41, -23, 2, 12, 9, -25, 82, 90, 113, 0, -73, -31, 109,
    15, 28, 68, 75, -27, -9, -16, -10, 56, 7, 5, 16, -10, -5, 22, 6,
    -5, -84, -5, -38, -87, -20, -60, -5, 90, -81, -19, -31, -127, -45, -51, -43,
    72, 40, 127, 114, -44, -63, -34, 37, -5, 73, 77, 111, 27, -13, 19, 62,
    3, 44, 34, 23, 18, 29, -22, -18, 33, 48, 45, 77, 59, 34, 29, 78,
    -10, 57, -18, 22, 24, 80, 11, 31, -28, -66, -25, 28, 52, 63, 30, 36,
    -7, -1, 4, 62, 86, 3, -72, 18, 68, 105, 64, 5, 75, 103, 71, 26,
    31, 14, -63, -125, 37, 109, 112, -12, -18, -112, -121, -10, -45, 2, -1, -87,
    -11, -10, -72, 48, 64, -57, -119, 19, -18, 58, 123, 81, 38, 20, -45, -95,
    -12, 6, 97, -7, -42, 11, 8, -127, 88, 100, 2, 1, -2, -35, -14, -4,
    -10, 66, 59, 71, 94, 36, 70, 22, -55, 127, 99, 26, 43, 6, 71, 44,
    -33, 38, -18, -73, 37, 47, -1, -38, 2, -49, -62, 51, 71, 49, -73, -64,
    -3, -85, -61, 102, 25, -44, -61, -5, 11, -53, -91, -66, -66, -40, -9, -67,
    45, 70, 13, -25, -34, 0, 54, -24, 51, 85, 77, 42, 19, 20, 26, -18,
    -9, 13, 20, 32, 58, 31, 44, -33, 37, -3, 57, 36, -20, 35, 66, 3,
    51, 18, 20, -32, -63, 16, -44, -46, 9, 51, 31, 86, 31, -14, -90, -36,
    -2, -61, 3, 29, -42, -4, -13, -4, -5, -54, -21, -127, -30, 71, 37, -7,
    -15, -27, 17, -72, -27, 35, 12, -61, -22, 17, 6, 54, 51, -9, -46, -83,
    -11, 95, 37, 36, 103, -38, 29, 48, -33, 127, 91, 40, 10, 11, 50, 61,
    -63, -1, 7, -70, -47, 53, 20, 46, 14, 46, 4, -25, -20, -8, 53, -19,
    7, 3, 0, -30, -12, 34, 89, -9, 29, 95, -25, -85, 9, 49, 87, 11,
    25, 83, 8, 7, 38, -6, 6, -61, 41, 37, 62, 24, 15, -32, -21, -63,
    2, 12, 10, 19, -34, 46, 127, 9, -66, -66, -40, 4, 25, -33, -8, 14,
    -44, 21, 6, 103, 63, -27, -44, -3, 0, 20, 82, 35, 117, 90, 32, 33,
    16, -47, 37, -12, -23, 62, 115, -3, 10, -99, -88, -69, -18, -28, -24, -77,
    -16, -27, -45, 17, -6, -46, 22, 91, -28, -62, 29, 7, -6, 24, 16, 52,
    -17, -14, 63, -12, -51, 105, 85, 7, 114, -117, -47, 1, 24, 7, -67, -36,
    56, 59, 75, 127, 29, 2, 1, 32, 9, 42, 104, 61, 57, 55, 117, 48,
    14, 80, 96, -29, -7, 67, 72, 11, 60, 4, -16, 41, 71, 7, -92, -99,
    -16, 11, -36, -20, 33, -62, -93, 90, -58, -58, 34, 7, -8, -51, -15, 54,
    -14, 103, 12, -31, -21, 115, 32, -42, -89, -70, -72, -10, 90, 75, -23, -18,
    -69, 2, -109, 47, 82, -57, 2, -59, 3, -46, -47, -13, 35, -23, -61, -33,
    4, 40, 27, 10, 93, 19, -11, -4, 29, -41, -13, 57, 61, 29, -38, -127,
    -9, -46, -3, 28, 63, 18, 5, 49, -26, 70, -10, -5, 19, 16, 5, 87,
    -1, -41, 6, 57, 38, 16, 14, -26, -77, 29, 14, 29, 58, 46, -6, -15,
    -65, 97, 37, 45, 59, 82, 0, -32, -16, 39, 12, 40, 13, 45, -46, -37,
    14, -66, 0, -14, -109, -43, -69, 16, -27, -102, -43, -104, -72, -16, -49, -76,
    -6, -12, 45, -18, 60, 29, 12, 127, 29, -14, 38, 66, 66, 32, 59, 97,
    -7, -86, -56, 56, -61, 69, -44, -26, 2, -102, -17, -27, -26, -38, 88, 82,
    -75, 52, -87, -111, 18, -14, -52, -107, -43, 37, -103, -124, -2, -96, -98, -43,
    -18, -101, -74, 7, -121, -32, -88, -77, 44, -86, -84, 64, 5, 85, -46, -54,
    -10, -15, 69, -127, -24, 33, -77, -57, 54, -123, 10, -102, 39, -111, 68, -105,
    -13, -39, -11, -30, -14, 20, -11, 47, 69, -48, -11, 11, -43, -11, 14, 27,
    62, -19, 5, 49, 5, -3, 42, 37, 4, 58, 67, 69, 49, 9, 83, 20,
    -10, 57, 54, 68, 106, 66, 88, 9, 30, 103, 45, 45, 127, 89, 62, 45,
    -1, 38, -6, -48, -51, -37, -10, 24, -33, -40, -56, -39, 3, -37, -48, -20,
    8, 124, 55, 20, 27, 66, 44, -32, -71, 20, 21, 62, 68, 31, 21, -15,
    -64, 4, 47, -45, -85, -41, -10, -58, -16, 17, -11, -94, -98, -49, -93, -32,
    16, 36, 23, -22, -52, -37, -31, 7, -26, -115, 127, 62, -60, 18, 13, 68,
    2, -104, 87, 89, 94, 104, 0, -78, 24, 98, 59, 55, 41, 47, 33, 7,
    -83, -13, -12, -1, 27, -74, -34, 94, -30, -93, 46, 48, -61, -53, -97, -93,
    42, -74, 60, -114, -35, -26, 27, 90, 76, 20, -79, -98, -100, -22, 79, -21,
    -5, -111, 7, 55, -110, -108, 53, 26, -7, -8, -46, -101, -127, 45, -43, -42,
    -29, -83, -62, -122, 58, 16, -88, -38, 50, -41, 3, 2, -100, -2, -16, 98,
    -5, -127, -53, -26, -35, -28, -110, 16, 85, -43, -36, -7, -58, 30, -6, -25,
    62, 48, 59, 85, 27, 76, 87, 22, -11, 49, 43, 105, -44, 19, 48, 51,
    1, 2, 38, 55, 2, -28, -85, -5, -7, 41, 64, 34, 33, 28, -8, 50,
    -30, 19, 35, -37, 1, 24, 25, 62, -31, -82, -99, 7, 47, 26, 8, 9,
    5, 61, 68, -2, 3, 67, 75, -24, -16, -18, 34, 28, -38, -37, 7, -24,
    -39, -13, 34, -35, -83, -127, -109, -37, 9, -14, -8, 3, 37, -50, -119, 13,
    -6, -1, 14, 27, 21, -6, -43, -1, -32, -90, 47, 45, -20, 3, 15, 55,
    14, -55, 40, 21, -10, 51, 7, -82, 22, 55, 60, 49, 41, 34, -3, -23,
    18, -81, 37, -46, -78, 80, 42, -24, 122, -56, 7, -35, -14, 73, -11, -44,
    87, 79, 75, 89, 51, 21, -12, -21, -4, -5, 85, 83, 50, 32, 9, -20,
    -8, -16, 21, 67, 32, -19, -127, -3, 29, -48, 14, 62, 31, -31, -113, -94,
    -14, 31, 17, -53, -24, -15, -102, 84, -47, -30, -10, 2, 24, -28, -30, 51,
    -40, 10, 27, -30, 111, -65, 63, 107, -21, 68, -24, -116, -93, 55, -34, 29,
    117, 13, -20, 6, -97, -124, -90, -100, 24, 22, -33, -110, 35, -90, -20, -100,
    -67, 50, -94, -77, 63, -77, -50, -33, 51, -78, -12, 21, -24, 39, -91, 54,
    45, -32, -127, 19, 51, -49, 28, 20, -48, -24, 92, -17, -119, -37, 32, -62,
    -59, 64, 27, -40, -23, -46, -7, -11, -68, -7, -30, -22, -60, 10, -117, 33,
    61, -43, -125, -38, -12, -63, -49, 104, 84, 27, 41, 8, 30, 71, 16, -14,
    80, -7, -96, -105, 44, 61, 72, 19, 77, -97, -70, -92, 77, -39, -73, 53,
    -42, -103, 3, 10, -114, -113, 59, 98, 9, -82, 22, -12, -127, -75, 45, 74,
    -6, -15, -43, 40, 51, 49, 0, -33, 60, -84, 9, 23, -31, 65, 64, -27,
    40, 23, -13, -24, -46, -47, -66, -30, -13, 61, 11, 100, 21, -82, -111, -6,
    4, -17, 14, 88, 6, -24, -69, -7, -36, -127, 56, -124, -24, 101, 86, 77,
    -32, -127, 71, -43, -19, 99, 102, -100, -15, -7, -34, 59, 46, 64, -23, -111,
    5, 119, 55, 31, 44, 95, 127, -31, -91, 21, 37, 43, 47, -6, -6, -20,
    -78, 0, -48, -55, 5, -97, -104, -30, 13, 35, -23, -71, 55, -54, -125, 10,
    -8, 36, -15, -63, 44, 27, 73, 16, 16, -75, -104, -94, -5, 41, 30, -67,
    25, -13, -18, 45, 102, 45, 19, -24, 43, 48, 76, 19, -9, 23, 29, 65,
    13, -106, -44, 19, -6, -64, -36, 25, -31, -33, -32, 13, -15, -20, -31, 3,
    -14, 26, 64, 102, 6, 98, 73, 50, 13, 45, 73, 6, -31, 74, 99, 46,
    -16, 20, 59, -28, -72, 49, 39, -15, 9, 57, 21, 6, 27, 3, 19, 60,
    1, 69, -23, 43, 29, -42, 0, 99, -19, -127, -44, -4, 25, -6, 40, 49,
    12, 0, -16, 48, 9, 40, -42, -5, -93, 42, -13, -20, 45, 35, 2, -15,
    -62, 60, -36, -13, 106, 22, 63, -9, 13, -44, -70, -26, 40, -4, -65, 24,
    -9, -73, -32, 19, 43, -42, -102, -5, 24, 11, -38, 28, -25, -51, -25, -71,
    38, 49, -9, 22, 62, 51, 32, 46, 45, 9, 9, 47, 32, 28, 57, 127,
    -5, 68, 47, 13, 16, 44, 77, 32, 64, 36, 14, 14, 29, -64, -16, 18,
    52, 9, 5, -4, -62, -59, -58, 27, -3, 41, 81, -8, 56, -5, 61, 28,
    15, 53, 60, -5, 79, 42, 88, 12, 54, 78, -2, 102, 54, 6, -60, -66,
    -10, 36, -53, 32, -8, -109, -127, -46, -33, 34, 53, -25, -77, -120, -93, -8,
    10, 61, 53, -63, -29, 20, -8, -9, -40, -8, 9, 39, -11, -39, -43, -21,
    -38, 5, 77, -1, -82, -90, -2, 48, -9, 67, 24, -76, -69, -39, 11, 75,
    -2, 95, -3, -82, 24, 17, 43, -9, 13, 114, 119, 127, 74, 71, 13, 104,
    34, 11, 8, 73, 103, 58, -7, -95, 34, 29, 38, 33, 30, 33, 33, -29,
};
static const int32_t digits_s8_0_bias[32] = {
    -18598, -1345, 2439, 8908, 9695, 2291, 3986, 8698, 8068, 13535, 2191, 5415, 12037, -1319, 2154, 3883,
    523, 23551, 5799, 3253, -26631, -236, 2213, 1381, -29719, 10830, 5539, 2121, 5142, -1976, 5354, 6004,
};
static const float digits_s8_0_weight_scale[32] = {
    0.00110817573f, 0.00802286156f, 0.0079199383f, 0.0010730325f, 0.0052774786f, 0.00775752775f,
    0.00586365024f, 0.00738424016f, 0.00676667783f, 0.00583740883f, 0.00720800832f, 0.00877967477f,
    0.00836735591f, 0.00751815829f, 0.00668971101f, 0.0062787598f, 0.00735992054f, 0.00112224184f,
    0.00827881973f, 0.00659219315f, 0.00111856638f, 0.00914088637f, 0.00941672921f, 0.00678911293f,
    0.00104912603f, 0.001116156f, 0.00697911717f, 0.00733229984f, 0.00783968437f, 0.00866572745f,
    0.00732799666f, 0.0064787697f,
};
static const int32_t digits_s8_0_multiplier[32] = {
    1338355154, 1211161491, 1195623808, 1295912323, 1593416216, 1171105698, 1770397586, 1114752793, 2043046501, 1762474581, 1088148168, 1325412873, 1263167661, 1134969580, 2019808096, 1895730602,
    1111081410, 1355342944, 1249801904, 1990364768, 1350904048, 1379942740, 1421585019, 2049820275, 1267040236, 1347993008, 2107187791, 1106911685, 1183508372, 1308210956, 1106262061, 1956119103,
};
static const int32_t digits_s8_0_shift[32] = {
    -12, -9, -9, -12, -10, -9, -10, -9, -10, -10, -9, -9, -9, -9, -10, -10,
    -9, -12, -9, -10, -12, -9, -9, -10, -12, -12, -10, -9, -9, -9, -9, -10,
};
/* lin_quant digits_s8_0_q = DIGITS_S8_0_QUANT; (multiplier and shift: the per-channel arrays) */
#define DIGITS_S8_0_QUANT { 128, 0, -128, 0, 0, -128, 127 }

/* 2: nn.Linear(32, 10) */
#define DIGITS_S8_2_IN 32
#define DIGITS_S8_2_OUT 10
#define DIGITS_S8_2_INPUT_SCALE 0.0285618883f
#define DIGITS_S8_2_INPUT_ZERO_POINT -128
#define DIGITS_S8_2_OUTPUT_SCALE 0.171813577f
#define DIGITS_S8_2_OUTPUT_ZERO_POINT 22
static const int8_t digits_s8_2_weight[320] = {
    -5, -102, -47, 12, -62, -7, -63, 57, -18, 10, -95, 1, 55, -66, -5, -55,
    52, 3, -54, 72, -14, 24, -81, -57, 9, 11, 0, -49, 64, -127, -34, 40,
    -3, 17, 43, -6, -45, -53, 64, -60, 16, -43, -72, -114, -127, 87, 75, 75,
    12, -24, 1, -33, -25, 37, -6, 69, 16, -25, -29, -34, 8, 41, -8, -39,
    -12, 22, 53, -7, -73, -65, 67, 61, -39, 47, 38, -99, -9, -87, -111, 3,
    11, -2, -127, 58, -18, -55, 35, -46, 1, 12, -58, 27, -43, 77, -125, 40,
    9, 18, -40, -6, 58, -23, 46, -127, -70, 39, 29, 42, 41, -22, -96, 44,
    5, -7, -26, -4, -5, -73, -1, -81, 8, -14, 78, 103, -115, 42, -54, -32,
    -14, -54, 13, -7, -2, -75, -2, 14, 63, -48, -53, -101, 27, 1, 39, -21,
    -89, -16, 69, -105, 15, 25, -94, 2, 2, -7, -127, -78, 64, -20, 57, 45,
    -6, -33, -94, -19, -76, 78, -102, -58, 19, -127, 4, 70, 19, 41, 38, -29,
    13, -10, -58, 35, -3, -109, 117, 27, 11, -16, 15, 89, -86, -100, 72, 44,
    7, -43, 37, 11, -87, -63, 0, 20, 75, -64, -127, -13, -32, -22, -66, -26,
    -92, -4, 46, 35, 11, 44, 84, -59, 0, 3, 95, -119, 17, -125, -83, 53,
    -22, -95, 10, -14, 80, 57, 32, 60, -127, 51, 14, -51, 37, 0, 16, 15,
    -82, 15, 55, -47, -21, -85, -83, -6, -3, 7, -100, -11, -33, -72, 68, -27,
    -5, 63, -22, -16, -11, -24, -47, 12, 2, 63, 7, 25, -19, -103, -33, -6,
    -7, -21, 27, -26, 10, 64, -9, 53, -8, -6, 49, -127, -56, -4, -87, -31,
    12, 33, -91, -9, 31, 29, -33, 5, -27, -26, 59, 49, 27, 48, -21, -60,
    55, -5, -29, -78, -11, 8, -95, -1, -17, 10, 6, -59, 31, -6, -19, -127,
};
static const int32_t digits_s8_2_bias[10] = {
    805, -681, -327, 501, 413, -700, -304, -248, -541, -53,
};
static const float digits_s8_2_weight_scale[10] = {
    0.0104740057f, 0.00732295541f, 0.00995950215f, 0.00841016509f, 0.00993197411f, 0.00744616985f,
    0.0079016611f, 0.00896003749f, 0.00850657932f, 0.0107129971f,
};
static const int32_t digits_s8_2_multiplier[10] = {
    1914441360, 1338491605, 1820400270, 1537212059, 1815368690, 1361012771, 1444267574, 1637717873, 1554834677, 1958124257,
};
static const int32_t digits_s8_2_shift[10] = {
    -9, -9, -9, -9, -9, -9, -9, -9, -9, -9,
};
/* lin_quant digits_s8_2_q = DIGITS_S8_2_QUANT; (multiplier and shift: the per-channel arrays) */
#define DIGITS_S8_2_QUANT { 128, 0, 22, 0, 0, -128, 127 }

#ifndef LIN_NO_INT8
/* ---- digits_s8_forward: the nn.Sequential's forward (int8 layers, lin_linear_s8_per_channel) ----

   lin_status digits_s8_forward(const float *x, float *y, size_t batch, void *scratch);
       x (batch, DIGITS_S8_IN) -> y (batch, DIGITS_S8_OUT), rows as PyTorch's model(x) in eval mode;
       scratch: DIGITS_S8_FORWARD_SCRATCH(batch) bytes, aligned for float (malloc's, or a float
       array's), overlapping neither x nor y; y may be x. Returns LIN_OK or the first
       status of a step that fails (LIN_ERR_NULL: x, y or scratch NULL with batch > 0;
       LIN_ERR_OVERFLOW: the scratch size of batch overflows size_t); y is written only
       when every step succeeded.
   lin_status digits_s8_forward_weights(const digits_s8_weights *w, const float *x, float *y,
                                  size_t batch, void *scratch);
       the same on weights held elsewhere (digits_s8_load: read from a safetensors file);
       w NULL is LIN_ERR_NULL.
   lin_status digits_s8_load(digits_s8_weights *w, const void *file, size_t bytes);
       (without LIN_NO_SAFETENSORS) points *w into a safetensors file in memory, as
       export_torch.py --safetensors writes it: every tensor found with its dtype and shape,
       or LIN_ERR_NULL (w NULL, file NULL with bytes), LIN_ERR_FORMAT (not safetensors),
       LIN_ERR_INDEX (a tensor missing), LIN_ERR_DTYPE (another dtype, or a big-endian
       host), LIN_ERR_SHAPE (another shape) or LIN_ERR_VALUE (data not aligned to its
       element); *w is written only on LIN_OK. The file must outlive *w. */
#ifndef LIN_GEN_API
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LIN_GEN_API static inline
#elif defined(__GNUC__)
#define LIN_GEN_API static __inline__
#else
#define LIN_GEN_API static
#endif
#endif
#define DIGITS_S8_IN 64
#define DIGITS_S8_OUT 10
#define DIGITS_S8_FORWARD_SCRATCH(batch) ((size_t)(batch) * (10 * sizeof(float) + 128))

typedef struct digits_s8_weights {
    float input_scale;
    int32_t input_zero_point;
    const int8_t *weight_0;   /* 0.weight I8 (32, 64) */
    const int32_t *bias_0;   /* 0.bias I32 (32,) */
    const int32_t *multiplier_0;   /* 0.multiplier I32 (32,) */
    const int32_t *shift_0;   /* 0.shift I32 (32,) */
    lin_quant quant_0;
    const int8_t *weight_2;   /* 2.weight I8 (10, 32) */
    const int32_t *bias_2;   /* 2.bias I32 (10,) */
    const int32_t *multiplier_2;   /* 2.multiplier I32 (10,) */
    const int32_t *shift_2;   /* 2.shift I32 (10,) */
    lin_quant quant_2;
    float output_scale;
    int32_t output_zero_point;
} digits_s8_weights;

LIN_GEN_API lin_status digits_s8_forward_weights(const digits_s8_weights *w, const float *x, float *y, size_t batch,
                                             void *scratch)
{
    float *f = (float *)scratch;
    int8_t *qa; int8_t *qb;
    size_t i;
    lin_status s;
    if (!w) return LIN_ERR_NULL;
    if (batch == 0) return LIN_OK;
    if (!x || !y || !scratch) return LIN_ERR_NULL;
    if (batch > (size_t)-1 / ((10 * sizeof(float) + 128))) return LIN_ERR_OVERFLOW;
    qa = (int8_t *)(f + batch * 10); qb = qa + batch * 64;
    /* the input, quantized as 0 takes it */
    s = lin_quantize_s8(x, qa, batch * 64, w->input_scale, w->input_zero_point);
    if (s != LIN_OK) return s;
    /* 0: nn.Linear(in_features=64, out_features=32, bias=True) */
    /* 1: nn.ReLU(): fused, the clamp of 0's output */
    s = lin_linear_s8_per_channel(qa, w->weight_0, w->bias_0, qb, batch, 64, 32,
                                  &w->quant_0, w->multiplier_0, w->shift_0);
    if (s != LIN_OK) return s;
    /* 2: nn.Linear(in_features=32, out_features=10, bias=True) */
    s = lin_linear_s8_per_channel(qb, w->weight_2, w->bias_2, qa, batch, 32, 10,
                                  &w->quant_2, w->multiplier_2, w->shift_2);
    if (s != LIN_OK) return s;
    /* the output, dequantized as 2 gives it */
    s = lin_dequantize_s8(qa, f, batch * 10, w->output_scale, w->output_zero_point);
    if (s != LIN_OK) return s;
    for (i = 0; i < batch * DIGITS_S8_OUT; ++i) y[i] = f[i];   /* y only now: every step succeeded */
    return LIN_OK;
}

static const digits_s8_weights digits_s8_baked_weights = {
    0.00392156886f,
    -128,
    digits_s8_0_weight,
    digits_s8_0_bias,
    digits_s8_0_multiplier,
    digits_s8_0_shift,
    DIGITS_S8_0_QUANT,
    digits_s8_2_weight,
    digits_s8_2_bias,
    digits_s8_2_multiplier,
    digits_s8_2_shift,
    DIGITS_S8_2_QUANT,
    0.171813577f,
    22
};

LIN_GEN_API lin_status digits_s8_forward(const float *x, float *y, size_t batch, void *scratch)
{
    return digits_s8_forward_weights(&digits_s8_baked_weights, x, y, batch, scratch);
}

#ifndef LIN_NO_SAFETENSORS
LIN_GEN_API lin_status digits_s8_load(digits_s8_weights *w, const void *file, size_t bytes)
{
    static const char *const name[14] = {"input_scale", "input_zero_point", "0.weight", "0.bias", "0.multiplier", "0.shift", "0.quant", "2.weight", "2.bias", "2.multiplier", "2.shift", "2.quant", "output_scale", "output_zero_point"};
    static const lin_dtype dtype[14] = {LIN_DTYPE_F32, LIN_DTYPE_I32, LIN_DTYPE_I8, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_I8, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_I32, LIN_DTYPE_F32, LIN_DTYPE_I32};
    static const int ndim[14] = {1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1};
    static const size_t shape[14][2] = {{1, 0}, {1, 0}, {32, 64}, {32, 0}, {32, 0}, {32, 0}, {7, 0}, {10, 32}, {10, 0}, {10, 0}, {10, 0}, {7, 0}, {1, 0}, {1, 0}};
    const uint16_t one = 1;
    lin_safetensors st;
    lin_st_tensor t[14];
    size_t i;
    lin_status s;
    digits_s8_weights v;
    if (!w) return LIN_ERR_NULL;
    s = lin_safetensors_open(&st, file, bytes);
    if (s != LIN_OK) return s;
    for (i = 0; i < 14; ++i) {
        s = lin_safetensors_find(&st, name[i], &t[i]);
        if (s != LIN_OK) return s;
        if (t[i].dtype != dtype[i]) return LIN_ERR_DTYPE;
        if (t[i].ndim != ndim[i] || t[i].shape[0] != shape[i][0] || (ndim[i] == 2 && t[i].shape[1] != shape[i][1]))
            return LIN_ERR_SHAPE;
    }
    /* the file's own checks first, on every host; then whether this one can use its bytes in place */
    for (i = 0; i < 14; ++i) {
        if (lin_dtype_size(dtype[i]) > 1 && *(const unsigned char *)&one != 1) return LIN_ERR_DTYPE;
        if ((uintptr_t)t[i].data % lin_dtype_size(dtype[i])) return LIN_ERR_VALUE;
    }
    v.input_scale = *(const float *)t[0].data;
    v.input_zero_point = *(const int32_t *)t[1].data;
    v.weight_0 = (const int8_t *)t[2].data;
    v.bias_0 = (const int32_t *)t[3].data;
    v.multiplier_0 = (const int32_t *)t[4].data;
    v.shift_0 = (const int32_t *)t[5].data;
    {
        const int32_t *q = (const int32_t *)t[6].data;
        v.quant_0.input_offset = q[0];
        v.quant_0.weight_offset = q[1];
        v.quant_0.output_offset = q[2];
        v.quant_0.multiplier = q[3];
        v.quant_0.shift = q[4];
        v.quant_0.act_min = q[5];
        v.quant_0.act_max = q[6];
    }
    v.weight_2 = (const int8_t *)t[7].data;
    v.bias_2 = (const int32_t *)t[8].data;
    v.multiplier_2 = (const int32_t *)t[9].data;
    v.shift_2 = (const int32_t *)t[10].data;
    {
        const int32_t *q = (const int32_t *)t[11].data;
        v.quant_2.input_offset = q[0];
        v.quant_2.weight_offset = q[1];
        v.quant_2.output_offset = q[2];
        v.quant_2.multiplier = q[3];
        v.quant_2.shift = q[4];
        v.quant_2.act_min = q[5];
        v.quant_2.act_max = q[6];
    }
    v.output_scale = *(const float *)t[12].data;
    v.output_zero_point = *(const int32_t *)t[13].data;
    *w = v;
    (void)i;
    return LIN_OK;
}
#endif /* LIN_NO_SAFETENSORS */

#endif /* LIN_NO_INT8 */

#endif /* DIGITS_S8_H */
